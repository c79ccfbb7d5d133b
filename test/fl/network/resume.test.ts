// kill -9 of the server mid-run, then --resume: training continues from the last completed round;
// every round is recorded exactly once, none lost, none twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/store/database.js';
import { FederationStateStore } from '../../../src/store/federation-state.js';
import { addClient, cohort, type Running, stopAll } from './processes.js';
import { writeSimulatorSplit } from './split.js';

const dir = mkdtempSync(join(tmpdir(), 'cohort-resume-'));
const running: Running[] = [];
afterAll(() => {
  stopAll(running);
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!process.env.COHORT_SLOW)('server crash and --resume', () => {
  it('continues after kill -9 from the last completed round, with no round lost or duplicated', async () => {
    const split = await writeSimulatorSplit(dir, { data: 'breast-cancer', clients: 3, partition: 'iid', seed: 5, testFraction: 0.2 });
    const db = join(dir, 'server.db');
    const tokens = split.clientFiles.map((_, i) => addClient(db, `client-${i}`));
    const common = ['--db', db, '--rounds', '6', '--min-clients', '3', '--test', `csv:${split.testFile}`, '--label', 'label', '--local-epochs', '3'];
    const first = cohort(['server', ...common, '--port', '0']);
    running.push(first);
    const [, url] = await first.waitFor(/listening on (ws:\/\/\S+)/, 60_000);
    const port = new URL(url as string).port;
    split.clientFiles.forEach((file, i) => running.push(cohort(['client', '--server', url as string, '--data', `csv:${file}`, '--label', 'label', '--token', tokens[i] as string])));
    await first.waitFor(/round 2\/6/, 90_000);
    first.child.kill('SIGKILL');
    await first.exited;

    // Same port, so the clients' reconnection loop finds the restarted server.
    const second = cohort(['server', ...common, '--port', port, '--resume']);
    running.push(second);
    await second.waitFor(/resuming run \S+ after round (\d+)/, 60_000);
    expect(await second.exited).toBe(0);
    const resumedAfter = Number((second.stderr.match(/after round (\d+)/) as RegExpMatchArray)[1]);
    expect(resumedAfter).toBeGreaterThanOrEqual(2);
    expect(second.stderr).not.toMatch(new RegExp(`round ${resumedAfter}/6`)); // not redone

    const handle = openDatabase(db);
    try {
      const store = new FederationStateStore(handle);
      const run = store.latestRun();
      expect(run?.status).toBe('finished');
      expect(store.roundMetrics(run?.id as string).map((entry) => entry.round)).toEqual([1, 2, 3, 4, 5, 6]);
    } finally {
      handle.close();
    }
  }, 240_000);
});
