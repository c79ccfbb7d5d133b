// Server plus 5 client processes on 127.0.0.1: the network run reaches the simulator's accuracy
// on the same split and seed (within 1 point), and every round is recorded once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSimulation } from '../../../src/fl/index.js';
import { openDatabase } from '../../../src/store/database.js';
import { FederationStateStore } from '../../../src/store/federation-state.js';
import { addClient, cohort, type Running, stopAll } from './processes.js';
import { writeSimulatorSplit } from './split.js';

const dir = mkdtempSync(join(tmpdir(), 'cohort-e2e-'));
const running: Running[] = [];
afterAll(() => {
  stopAll(running);
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!process.env.COHORT_SLOW)('network federation, 1 server + 5 client processes', () => {
  it('matches the simulator within 1 accuracy point after 3 rounds', async () => {
    const config = { data: 'breast-cancer', clients: 5, partition: 'dirichlet:0.5', seed: 42, testFraction: 0.2 };
    const split = await writeSimulatorSplit(dir, config);
    const db = join(dir, 'server.db');
    const tokens = split.clientFiles.map((_, i) => addClient(db, `client-${i}`));
    const server = cohort(['server', '--db', db, '--port', '0', '--rounds', '3', '--min-clients', '5', '--test', `csv:${split.testFile}`, '--label', 'label', '--deadline', '120', '--seed', '42']);
    running.push(server);
    const [, url] = await server.waitFor(/listening on (ws:\/\/\S+)/, 60_000);
    split.clientFiles.forEach((file, i) => running.push(cohort(['client', '--server', url as string, '--data', `csv:${file}`, '--label', 'label', '--token', tokens[i] as string])));
    expect(await server.exited).toBe(0);
    const summary = JSON.parse(server.stdout.trim()) as { rounds: number; final: { accuracy: number; participants: string[] } };
    expect(summary.rounds).toBe(3);
    expect(summary.final.participants).toEqual(['client-0', 'client-1', 'client-2', 'client-3', 'client-4']);

    const { result } = await runSimulation({ ...config, rounds: 3, workers: 0, centralized: false });
    expect(Math.abs(summary.final.accuracy - result.final.accuracy)).toBeLessThanOrEqual(0.01);

    const store = openDatabase(db);
    try {
      const state = new FederationStateStore(store);
      const run = state.latestRun();
      expect(run?.status).toBe('finished');
      expect(state.roundMetrics(run?.id as string).map((entry) => entry.round)).toEqual([1, 2, 3]);
    } finally {
      store.close();
    }
    for (const client of running.slice(1)) expect(await client.exited).toBe(0);
  }, 180_000);
});
