// ε per data owner through the budget ledger: each fit reply's reported (ε, δ) is charged to its
// owner before aggregation; a reply its owner's budget cannot pay for is refused, logged and not
// aggregated; a repeated round (retry or --resume) is charged once per (run, round, client).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryBudgetLedger } from '../../../src/dp/budget-ledger-memory.js';
import { guardRounds, roundSpendKey } from '../../../src/fl/server/round-guard.js';
import { FedAvg } from '../../../src/fl/strategies/fedavg.js';
import { openDatabase } from '../../../src/store/database.js';
import { SqliteBudgetLedger } from '../../../src/store/sqlite-budget-ledger.js';
import { runCli } from '../../cli/run-cli.js';
import { type Harness, joinAs, startHarness, waitUntil } from './harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const strategy = () => new FedAvg({ localEpochs: 1, batchSize: 4, optimizer: { kind: 'sgd', learningRate: 0.1 }, minClients: 1 });

describe('privacy budgets of data owners (network server)', () => {
  it('charges each reply to its owner and refuses, without aggregating, one its budget cannot pay', async () => {
    let ledger: SqliteBudgetLedger | undefined;
    const h = (harness = await startHarness({
      clients: ['a', 'b'],
      rounds: 2,
      minClients: 1,
      heartbeatIntervalMs: 0,
      privacyLedger: (db) => (ledger = new SqliteBudgetLedger(db)),
    }));
    const owners = ledger as SqliteBudgetLedger;
    await owners.setBudget('a', { epsilon: 1.5, delta: 1e-5 });
    await owners.setBudget('b', { epsilon: 10, delta: 1e-5 });
    const [a, b] = [await joinAs(h, 'a'), await joinAs(h, 'b')];
    await waitUntil(() => h.server.pool.size === 2);
    const run = h.server.run();
    for (let round = 1; round <= 2; round++) {
      await Promise.all([a.answerFit((w) => w.map(() => 100), 10, { epsilon: 1, delta: 1e-6 }), b.answerFit((w) => w.map(() => 3), 10, { epsilon: 1, delta: 1e-6 })]);
    }
    const { weights } = await run;
    // Round 2: a's budget (1.5) cannot pay a second ε = 1, so only b's update is aggregated.
    expect([...weights]).toEqual(new Array(10).fill(3));
    expect((await owners.spent('a')).epsilon).toBe(1);
    expect((await owners.spent('b')).epsilon).toBe(2);
    expect((await owners.history('b')).map((entry) => entry.idempotencyKey)).toEqual([roundSpendKey(h.server.runId, 1, 'b'), roundSpendKey(h.server.runId, 2, 'b')]);
    const round2 = h.store.roundMetrics(h.server.runId)[1]?.metrics as { participants: string[]; failures: { clientId: string; message: string }[] };
    expect(round2.participants).toEqual(['b']);
    expect(round2.failures.map((f) => f.clientId)).toEqual(['a']);
    expect(h.events.filter((e) => e.kind === 'budget-refused').map((e) => [e.clientId, e.round])).toEqual([['a', 2]]);
    // The dashboard's ε per owner counts only aggregated replies.
    expect(h.store.privacyByOwner(h.server.runId).map((p) => [p.client, p.epsilon])).toEqual([['a', 1], ['b', 2]]);
    a.close();
    b.close();
  });

  it('refuses a reply from an owner with no budget set, and passes replies that report no ε uncharged', async () => {
    const ledger = new InMemoryBudgetLedger();
    const guarded = guardRounds(strategy(), 1, { ledger, runId: 'r', log: () => undefined });
    const result = await guarded.aggregateFit({
      round: 1,
      globalWeights: new Float32Array(2),
      results: [
        { clientId: 'no-budget', weights: new Float32Array([9, 9]), numExamples: 1, metrics: { trainLoss: 1, epsilon: 0.1 } },
        { clientId: 'no-claim', weights: new Float32Array([1, 1]), numExamples: 1, metrics: { trainLoss: 1 } },
      ],
      failures: [],
    });
    expect([...result.weights]).toEqual([1, 1]);
    expect(guarded.lastRefused().map((r) => r.clientId)).toEqual(['no-budget']);
    expect(await ledger.owners()).toEqual([]);
  });

  it('charges a repeated round once per (run, round, client), across ledger instances on one database (resume)', async () => {
    const db = openDatabase(':memory:');
    try {
      await new SqliteBudgetLedger(db).setBudget('a', { epsilon: 1, delta: 1e-5 });
      const context = {
        round: 4,
        globalWeights: new Float32Array(2),
        results: [{ clientId: 'a', weights: new Float32Array([2, 2]), numExamples: 5, metrics: { trainLoss: 1, epsilon: 0.75, delta: 1e-6 } }],
        failures: [],
      };
      for (let attempt = 0; attempt < 3; attempt++) {
        // A fresh ledger each time: the state of a restarted server is what the database holds.
        const guarded = guardRounds(strategy(), 1, { ledger: new SqliteBudgetLedger(db), runId: 'run-9', log: () => undefined });
        expect([...(await guarded.aggregateFit(context)).weights]).toEqual([2, 2]);
      }
      const ledger = new SqliteBudgetLedger(db);
      expect((await ledger.spent('a')).epsilon).toBe(0.75);
      expect(await ledger.history('a')).toHaveLength(1);
      // The same round of another run is a new spend, which this budget cannot pay.
      const other = guardRounds(strategy(), 1, { ledger, runId: 'run-10', log: () => undefined });
      await expect(other.aggregateFit(context)).rejects.toMatchObject({ code: 'ROUND_INCOMPLETE' });
      expect(other.lastRefused().map((r) => r.clientId)).toEqual(['a']);
    } finally {
      db.close();
    }
  });
});

describe('cohort server set-budget', () => {
  it('records an owner\'s budget in the database and refuses a δ outside [0, 1) with exit 2', async () => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'cohort-set-budget-'));
    try {
      const file = joinPath(dir, 'fed.db');
      const ok = await runCli(['server', 'set-budget', 'hospital-a', '2.5', '1e-5', '--db', file]);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/budget of hospital-a: ε = 2.5, δ = 0.00001/);
      const db = openDatabase(file);
      try {
        expect(await new SqliteBudgetLedger(db).getBudget('hospital-a')).toEqual({ epsilon: 2.5, delta: 1e-5 });
      } finally {
        db.close();
      }
      const bad = await runCli(['server', 'set-budget', 'hospital-a', '2.5', '1', '--db', file]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/delta/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
