// `cohort server --resume` refuses a database whose run was recorded under other settings (model
// size, model spec, classes, strategy, seed): a clear error naming --resume and exit status 2.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FedAvg } from '../../../src/fl/strategies/fedavg.js';
import { FederationServer } from '../../../src/fl/server/index.js';
import { openDatabase } from '../../../src/store/database.js';
import { FederationStateStore } from '../../../src/store/federation-state.js';
import { runCli } from '../../cli/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cohort-resume-mismatch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A database holding one run with one completed round of a 10-parameter model (logreg, 4 features, 2 classes). */
function databaseWithRun(file: string, config: Record<string, unknown>): void {
  const db = openDatabase(file);
  const store = new FederationStateStore(db);
  store.createRun('run-1', config);
  store.saveRound('run-1', { round: 1, metrics: {}, weights: new Float32Array(10).fill(0.5), rngDraws: 3 });
  db.close();
}

const recorded = { modelSpec: 'logreg', numFeatures: 4, classNames: ['a', 'b'], parameters: 10, strategy: 'FedAvg', seed: 42 };
const serverArgs = (db: string, ...extra: string[]) => ['server', '--db', db, '--resume', '--port', '0', '--num-features', '4', '--classes', 'a,b', ...extra];

function serverOptions(store: FederationStateStore, overrides: { seed?: number; classNames?: string[] } = {}) {
  return {
    store,
    strategy: new FedAvg({ localEpochs: 1, batchSize: 4, optimizer: { kind: 'sgd' as const, learningRate: 0.1 } }),
    rounds: 3,
    minClients: 1,
    roundDeadlineMs: 1_000,
    modelSpec: 'logreg',
    numFeatures: 4,
    classNames: overrides.classNames ?? ['a', 'b'],
    initialWeights: new Float32Array(10),
    seed: overrides.seed ?? 42,
    resume: true,
    heartbeatIntervalMs: 0,
  };
}

describe('--resume with a mismatched database', () => {
  it('exits 2 naming --resume when the stored model has another size', async () => {
    const db = join(dir, 'size.db');
    databaseWithRun(db, recorded);
    const { code, stderr } = await runCli(serverArgs(db, '--model', 'mlp:8'));
    expect(code).toBe(2);
    expect(stderr).toMatch(/--resume/);
    expect(stderr).toMatch(/parameters 10 in the database, \d+ now/);
    expect(stderr).toMatch(/modelSpec "logreg" in the database, "mlp:8" now/);
  });

  it('exits 2 on a database written before run settings were recorded, by the checkpoint size alone', async () => {
    const db = join(dir, 'legacy.db');
    databaseWithRun(db, {});
    const { code, stderr } = await runCli(serverArgs(db, '--model', 'mlp:8'));
    expect(code).toBe(2);
    expect(stderr).toMatch(/--resume: the stored model has 10 parameters, this configuration \d+/);
  });

  it('refuses another seed or other class names, and resumes when everything matches', async () => {
    const file = join(dir, 'api.db');
    databaseWithRun(file, recorded);
    const db = openDatabase(file);
    const store = new FederationStateStore(db);
    try {
      await expect(FederationServer.create(serverOptions(store, { seed: 7 }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/seed 42 in the database, 7 now/) });
      await expect(FederationServer.create(serverOptions(store, { classNames: ['b', 'a'] }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/classNames/) });
      const server = await FederationServer.create(serverOptions(store));
      expect(server.runId).toBe('run-1');
      expect(server.status().round).toBe(1);
      await server.close();
    } finally {
      db.close();
    }
  });
});
