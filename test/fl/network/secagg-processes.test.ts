// Slow (COHORT_SLOW=1): `cohort server --secure-aggregation` and 10 client processes on 127.0.0.1 —
// nine `cohort client --require-secure-aggregation` and one client process that is killed with
// SIGKILL after it has shared its keys (it holds the maskedInput request until the kill). The
// round completes with the nine survivors, and the global model equals plain FedAvg of their
// updates, recomputed here from the same data, configuration and seeds, within the quantisation
// bound of the fixed-point plan.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src/data/index.js';
import { fitLocally } from '../../../src/fl/client.js';
import { relabel } from '../../../src/fl/client/index.js';
import { CountingRandom, type RoundRecord } from '../../../src/fl/server/index.js';
import { createStrategy, deriveSeed, parseStrategySpec } from '../../../src/fl/index.js';
import { createModel, parseModelSpec } from '../../../src/ml/index.js';
import { planFixedPoint } from '../../../src/secagg/index.js';
import { openDatabase } from '../../../src/store/database.js';
import { FederationStateStore } from '../../../src/store/federation-state.js';
import { addClient, cohort, ROOT, type Running, stopAll } from './processes.js';
import { writeSimulatorSplit } from './split.js';

const dir = mkdtempSync(join(tmpdir(), 'cohort-secagg-processes-'));
const running: Running[] = [];
afterAll(() => {
  stopAll(running);
  rmSync(dir, { recursive: true, force: true });
});

const CLIENTS = 10;
const VICTIM = 3;
const WEIGHT_CAP = 200;
const UPDATE_RANGE = 2;
const SEED = 42;

/** The victim: a node process running secagg-victim.ts, watched like a `cohort` process. */
function victimProcess(args: readonly string[]): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fl/network/secagg-victim.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const running: Running = {
    child,
    stderr: '',
    stdout: '',
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setInterval(() => {
          const match = running.stderr.match(pattern);
          if (match) {
            clearInterval(timer);
            clearTimeout(timeout);
            resolve(match);
          }
        }, 20);
        const timeout = setTimeout(() => {
          clearInterval(timer);
          reject(new Error(`timed out waiting for ${pattern}; stderr:\n${running.stderr}`));
        }, timeoutMs);
      });
    },
  };
  child.stderr?.on('data', (chunk: Buffer) => (running.stderr += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => (running.stdout += chunk.toString()));
  return running;
}

describe.skipIf(!process.env.COHORT_SLOW)('SecAgg+ with client processes, one killed with SIGKILL after key sharing', () => {
  it('completes the round with the survivors and matches their plain FedAvg within quantisation error', async () => {
    const split = await writeSimulatorSplit(dir, { data: 'breast-cancer', clients: CLIENTS, partition: 'dirichlet:0.5', seed: SEED, testFraction: 0.2 });
    const db = join(dir, 'server.db');
    const names = split.clientFiles.map((_, i) => `client-${i}`);
    const tokens = names.map((name) => addClient(db, name));
    const server = cohort([
      'server', '--db', db, '--port', '0', '--rounds', '1', '--min-clients', String(CLIENTS), '--test', `csv:${split.testFile}`, '--label', 'label', '--seed', String(SEED),
      '--deadline', '120', '--secure-aggregation', '--secagg-weight-cap', String(WEIGHT_CAP), '--secagg-update-range', String(UPDATE_RANGE), '--secagg-stage-deadline', '60',
    ]);
    running.push(server);
    const [, url] = await server.waitFor(/listening on (ws:\/\/\S+)/, 60_000);
    expect(server.stderr).toMatch(/secure aggregation \(SecAgg\+\): clients send only masked updates; at most 10 clients, updates clipped to ±2, weight cap 200 examples/);
    let victim: Running | undefined;
    split.clientFiles.forEach((file, i) => {
      if (i === VICTIM) {
        victim = victimProcess([url as string, tokens[i] as string, file, 'label']);
        running.push(victim);
      } else {
        running.push(cohort(['client', '--server', url as string, '--data', `csv:${file}`, '--label', 'label', '--token', tokens[i] as string, '--require-secure-aggregation']));
      }
    });
    await (victim as Running).waitFor(/VICTIM AT maskedInput/, 120_000);
    (victim as Running).child.kill('SIGKILL');
    expect(await (victim as Running).exited).toBeNull(); // killed by the signal

    expect(await server.exited).toBe(0);
    const summary = JSON.parse(server.stdout.trim()) as { rounds: number; final: RoundRecord };
    const survivors = names.filter((_, i) => i !== VICTIM);
    expect(summary.rounds).toBe(1);
    expect(summary.final.participants).toEqual(survivors);
    expect(summary.final.failures.map((f) => f.clientId)).toEqual([`client-${VICTIM}`]);
    expect(summary.final.secureAggregation?.dropped).toEqual([`client-${VICTIM}`]);
    for (const [i, client] of running.entries()) if (i > 0 && client !== victim) expect(await client.exited).toBe(0);

    const handle = openDatabase(db);
    let aggregated: Float32Array;
    try {
      const store = new FederationStateStore(handle);
      const run = store.latestRun();
      expect(run?.status).toBe('finished');
      aggregated = (store.lastCheckpoint(run?.id as string) as { weights: Float32Array }).weights;
    } finally {
      handle.close();
    }

    // Plain FedAvg of the survivors, recomputed: the server's initial model and round-1
    // configuration (cohort server's defaults and seed), each client's own file and training.
    const test = (await loadDataset(`csv:${split.testFile}`, { label: 'label' })).data;
    const shape = { numFeatures: test.numFeatures, numClasses: test.numClasses };
    const initial = await createModel(parseModelSpec('logreg'), shape, { seed: deriveSeed(SEED, 'model') });
    const start = initial.getWeights();
    initial.dispose();
    const datasets = await Promise.all(split.clientFiles.map(async (file) => relabel((await loadDataset(`csv:${file}`, { label: 'label' })).data, test.classNames)));
    const strategy = createStrategy(parseStrategySpec('fedavg', '--strategy'), { localEpochs: 2, batchSize: 16, optimizer: { kind: 'sgd', learningRate: 0.1, momentum: 0 }, fraction: 1, minClients: CLIENTS, fractionEvaluate: 0 });
    const instructions = await strategy.configureFit({ round: 1, globalWeights: start, clients: names.map((id, i) => ({ id, numExamples: (datasets[i] as { numExamples: number }).numExamples })), rng: new CountingRandom(SEED) });
    const model = await createModel(parseModelSpec('logreg'), shape, { seed: 0 });
    const sum = new Float64Array(start.length);
    let examples = 0;
    for (const instruction of instructions) {
      const index = names.indexOf(instruction.clientId);
      if (index === VICTIM) continue;
      const data = datasets[index] as (typeof datasets)[number];
      const trained = await fitLocally(model, data, start, instruction.config);
      examples += data.numExamples;
      for (let j = 0; j < sum.length; j++) {
        const delta = (trained.weights[j] as number) - (start[j] as number);
        expect(Math.abs(delta)).toBeLessThan(UPDATE_RANGE); // nothing clipped
        sum[j] = (sum[j] as number) + data.numExamples * delta;
      }
    }
    model.dispose();
    const plan = planFixedPoint(UPDATE_RANGE, CLIENTS);
    const n = survivors.length;
    const weightSum = examples / WEIGHT_CAP;
    let largestUpdate = 0;
    for (let j = 0; j < sum.length; j++) {
      const mean = (sum[j] as number) / examples;
      const reference = (start[j] as number) + mean;
      // Quantisation bound as in secagg-e2e.test.ts, plus float32 rounding of the weights.
      const bound = (n / plan.scale + (Math.abs(mean) * n) / (plan.scale * UPDATE_RANGE)) / (weightSum - n / (plan.scale * UPDATE_RANGE)) + 1e-6 * Math.max(1, Math.abs(reference));
      expect(Math.abs((aggregated[j] as number) - reference), `coordinate ${j}`).toBeLessThanOrEqual(bound);
      largestUpdate = Math.max(largestUpdate, Math.abs(mean));
    }
    expect(largestUpdate).toBeGreaterThan(1e-2);
  }, 240_000);
});
