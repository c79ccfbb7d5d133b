// The secure-aggregation flags of `cohort server` and `cohort client`: refused combinations exit
// 2 with one line naming the flag, before any run is created; a client that requires secure
// aggregation refuses a plain server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FederationServer } from '../../../src/fl/server/index.js';
import { FedAvg } from '../../../src/fl/strategies/fedavg.js';
import { storedKeyOf } from '../../../src/fl/transport/auth.js';
import { openDatabase } from '../../../src/store/database.js';
import { FederationStateStore } from '../../../src/store/federation-state.js';
import { runCli } from '../../cli/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cohort-secagg-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = (db: string) => ['server', '--db', join(dir, db), '--port', '0', '--num-features', '4', '--classes', 'a,b', '--rounds', '1'];

describe('cohort server --secure-aggregation refusals', () => {
  it.each([
    [['--secure-aggregation', '--strategy', 'fedavgm'], /strategy FedAvgM.* needs the individual client updates; --secure-aggregation only lets the server see their sum/],
    [['--secure-aggregation', '--strategy', 'fedadam'], /needs the individual client updates/],
    [['--secure-aggregation', '--min-clients', '1'], /--secure-aggregation needs --min-clients of at least 2 \(got 1\)/],
    [['--secure-aggregation', '--min-clients', '3', '--secagg-neighbours', '3'], /--secagg-neighbours 3 must be below --min-clients 3/],
    [['--secure-aggregation', '--min-clients', '5', '--secagg-max-clients', '4'], /--secagg-max-clients 4 is below --min-clients 5/],
    [['--secure-aggregation', '--min-clients', '9', '--secagg-neighbours', '8', '--secagg-threshold', '3'], /--secagg-threshold 3 must be more than half of --secagg-neighbours 8/],
    [['--secagg-weight-cap', '100'], /--secagg-weight-cap needs --secure-aggregation/],
    [['--secagg-stage-deadline', '5'], /--secagg-stage-deadline needs --secure-aggregation/],
    [['--secagg-threshold', '3'], /--secagg-threshold needs --secure-aggregation/],
    [['--secure-aggregation', '--secagg-weight-cap', '0'], /--secagg-weight-cap/],
  ])('%j exits 2', async (flags, message) => {
    const db = `refused-${flags.join('_').replace(/[^a-z0-9_]/gi, '')}.db`;
    const run = await runCli([...base(db), ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    // Nothing was started: no run in the database.
    const handle = openDatabase(join(dir, db));
    try {
      expect(new FederationStateStore(handle).latestRun()).toBeUndefined();
    } finally {
      handle.close();
    }
  }, 30_000);
});

describe('cohort client --require-secure-aggregation', () => {
  it('exits 2 against a server without secure aggregation, naming the flag', async () => {
    const db = openDatabase(':memory:');
    const store = new FederationStateStore(db);
    const token = 'owner.a-long-enough-secret-token-value';
    store.addClient('owner', storedKeyOf(token));
    const server = await FederationServer.create({
      store,
      strategy: new FedAvg({ localEpochs: 1, batchSize: 8, optimizer: { kind: 'sgd', learningRate: 0.1 } }),
      rounds: 1,
      minClients: 1,
      roundDeadlineMs: 10_000,
      modelSpec: 'logreg',
      numFeatures: 4,
      // Not iris's classes: the client must refuse for the missing secure aggregation before it
      // even looks at whether its data fits the model.
      classNames: ['x', 'y', 'z'],
      initialWeights: new Float32Array(15),
      seed: 1,
    });
    const { url } = await server.listen();
    try {
      const run = await runCli(['client', '--server', url, '--data', 'iris', '--token', token, '--require-secure-aggregation', '--max-attempts', '2']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/does not use secure aggregation, and this client requires it \(--require-secure-aggregation\); not joining/);
      expect(server.status().round).toBe(0);
    } finally {
      await server.close();
      db.close();
    }
  }, 30_000);
});
