// Differential privacy over the network: `cohort server --dp` sends the DP settings in each fit
// request's RoundConfig.extra and real clients (runNetworkClient, in-process, 127.0.0.1) train with
// DP-SGD on their own data; the server's SQLite ledger charges each owner for the rounds it trained,
// a client that keeps its own budget accounts the same steps and refuses what it cannot pay.
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryBudgetLedger } from '../../../src/dp/budget-ledger-memory.js';
import { OwnerBudget, subsampledGaussianEpsilon } from '../../../src/fl/dp/index.js';
import { runNetworkClient, type NetworkClientResult } from '../../../src/fl/client/index.js';
import { privateServer, type PrivateServer } from '../../../src/fl/server/private-federation.js';
import { parseStrategySpec } from '../../../src/fl/strategies/index.js';
import type { DpSimulationConfig } from '../../../src/fl/simulation/privacy-config.js';
import { FedAvg } from '../../../src/fl/strategies/fedavg.js';
import { openDatabase } from '../../../src/store/database.js';
import { SqliteBudgetLedger } from '../../../src/store/sqlite-budget-ledger.js';
import { blobs } from '../../ml/helpers.js';
import { type Harness, startHarness, waitUntil } from './harness.js';

let harness: Harness | undefined;
const closers: (() => void)[] = [];
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  for (const close of closers.splice(0)) close();
});

const optimizer = { kind: 'sgd', learningRate: 0.1 } as const;
/** 4 features, classes a/b as the harness's model expects; owner k holds 24 + 12k examples. */
const dataOf = (k: number) => ({ ...blobs(24 + 12 * k, 4, 3, 10 + k), classNames: ['a', 'b'] });
const sampleDp: DpSimulationConfig = { level: 'sample', noiseMultiplier: 1.3, delta: 1e-5, clippingNorm: 1, adaptiveClipping: false, accountant: 'rdp' };

/** The server side of `cohort server --dp`: the private strategy on a SQLite ledger of its own. */
async function privateStrategy(dp: DpSimulationConfig, settings: { rounds: number; fraction: number; batchSize?: number }, registeredClients = 3): Promise<PrivateServer & { ledger: SqliteBudgetLedger }> {
  const db = openDatabase(':memory:');
  closers.push(() => db.close());
  const ledger = new SqliteBudgetLedger(db);
  const batchSize = settings.batchSize ?? 8;
  const server = await privateServer({
    dp,
    settings: { data: 'network test', rounds: settings.rounds, fraction: settings.fraction, batchSize, localEpochs: 1, strategy: 'fedavg' },
    strategySpec: parseStrategySpec('fedavg', '--strategy'),
    strategyOptions: { localEpochs: 1, batchSize, optimizer, fraction: settings.fraction, minClients: 1 },
    registeredClients,
    ledger,
    runId: 'net-run',
  });
  return { ...server, ledger };
}

/** Connects the clients (owner k holds dataOf(k)), then runs the server: every round sees all of them. */
async function runAll(
  h: Harness,
  names: string[],
  extra: (name: string, k: number) => Partial<Parameters<typeof runNetworkClient>[0]> = () => ({}),
): Promise<[NetworkClientResult[], Awaited<ReturnType<Harness['server']['run']>>]> {
  const clients = Promise.all(names.map((name, k) => runNetworkClient({ url: h.url, token: h.tokens.get(name) as string, data: dataOf(k), maxAttempts: 3, ...extra(name, k) })));
  await waitUntil(() => h.server.pool.size === names.length);
  const run = await h.server.run();
  return [await clients, run];
}

describe('cohort server --dp sample over the network', () => {
  it('clients run DP-SGD on their own data; each owner is charged for the rounds it trained, and its own accountant agrees', async () => {
    const names = ['h0', 'h1', 'h2'];
    const { strategy, plan, ledger } = await privateStrategy(sampleDp, { rounds: 4, fraction: 0.6 });
    const h = (harness = await startHarness({ clients: names, rounds: 4, minClients: 2, strategy, heartbeatIntervalMs: 0, deadlineMs: 20_000 }));
    // Each client also keeps its owner's own budget, at the server's δ and accountant.
    const budgets = await Promise.all(names.map((owner) => OwnerBudget.open({ ledger: new InMemoryBudgetLedger(), owner, delta: 1e-5, accountant: 'rdp', budget: { epsilon: 50, delta: 1e-5 } })));
    const [clients, run] = await runAll(h, names, (_, k) => ({ ownerBudget: budgets[k] }));
    expect(run.rounds).toBe(4);
    expect(run.stoppedEarly).toBeUndefined();
    const summary = plan.summarize(4, undefined);
    expect(summary.owners.map((owner) => owner.owner).sort()).toEqual(names);
    // ⌈0.6·3⌉ = 2 clients per round: 8 trainings in all, and at least one owner sat a round out.
    expect(summary.owners.reduce((sum, owner) => sum + owner.rounds, 0)).toBe(8);
    expect(Math.min(...summary.owners.map((owner) => owner.rounds))).toBeLessThan(4);
    for (const [k, name] of names.entries()) {
      const owner = summary.owners.find((o) => o.owner === name)!;
      const examples = dataOf(k).numExamples;
      expect(owner.rounds).toBe(clients[k]!.fits);
      expect(owner.sampleRate).toBe(8 / examples);
      expect(owner.steps).toBe(owner.rounds * Math.round(examples / 8));
      // What `cohort dp epsilon` gives for (q, σ, steps, δ), charged in the server's ledger, and what the client counted itself.
      const expected = subsampledGaussianEpsilon({ noiseMultiplier: 1.3, sampleRate: owner.sampleRate, steps: owner.steps }, 1e-5, 'rdp');
      expect(owner.epsilon).toBe(expected);
      expect(budgets[k]!.epsilon).toBe(expected);
      expect(budgets[k]!.steps).toBe(owner.steps);
      const spent = await ledger.spent(name);
      expect(owner.rounds === 0 ? spent.epsilon === 0 : spent.epsilon / expected - 1 < 1e-12 && spent.epsilon >= expected).toBe(true);
    }
    expect(summary.epsilon).toBe(Math.max(...summary.owners.map((owner) => owner.epsilon)));
    // A restarted server resuming the run continues each owner's account from the ledger (--resume).
    const resumed = await privateServer({
      dp: sampleDp,
      settings: { data: 'network test', rounds: 4, fraction: 0.6, batchSize: 8, localEpochs: 1, strategy: 'fedavg' },
      strategySpec: parseStrategySpec('fedavg', '--strategy'),
      strategyOptions: { localEpochs: 1, batchSize: 8, optimizer, fraction: 0.6, minClients: 1 },
      registeredClients: 3,
      ledger,
      runId: 'net-run',
      resume: true,
    });
    expect(resumed.plan.summarize(4, undefined).owners.map((owner) => [owner.owner, owner.rounds, owner.epsilon]).sort()).toEqual(summary.owners.map((owner) => [owner.owner, owner.rounds, owner.epsilon]).sort());
    // DP-SGD replies carry no training loss.
    const rounds = h.store.roundMetrics(h.server.runId).map((entry) => entry.metrics as { trainLoss: number | null; participants: string[] });
    expect(rounds).toHaveLength(4);
    expect(rounds.every((round) => round.participants.length === 2 && !Number.isFinite(round.trainLoss))).toBe(true);
  }, 60_000);

  it('stops cleanly before the round that would take a chosen owner past the run’s budget', async () => {
    const names = ['h0', 'h1'];
    // h0 (24 examples: q = 1/3, 3 steps a round) spends the most; the cap lies between its ε after 2 and 3 rounds.
    const h0After = (rounds: number) => subsampledGaussianEpsilon({ noiseMultiplier: 1.3, sampleRate: 8 / 24, steps: 3 * rounds }, 1e-5, 'rdp');
    const h1After = (rounds: number) => subsampledGaussianEpsilon({ noiseMultiplier: 1.3, sampleRate: 8 / 36, steps: 5 * rounds }, 1e-5, 'rdp');
    const cap = (h0After(2) + h0After(3)) / 2;
    expect(h1After(3)).toBeLessThan(cap);
    const { strategy, plan } = await privateStrategy({ ...sampleDp, targetEpsilon: cap }, { rounds: 5, fraction: 1 }, 2);
    const h = (harness = await startHarness({ clients: names, rounds: 5, minClients: 2, strategy, heartbeatIntervalMs: 0, deadlineMs: 20_000 }));
    const [clients, run] = await runAll(h, names);
    expect(run.rounds).toBe(2);
    expect(run.stoppedEarly?.round).toBe(3);
    expect(run.stoppedEarly?.reason).toMatch(/^round 3 would take h0 to ε = [\d.]+ \(δ = 0.00001\), past the run's budget ε = /);
    expect(clients.map((client) => [client.reason, client.fits])).toEqual([['finished', 2], ['finished', 2]]);
    expect(h.events.some((event) => event.kind === 'budget-stop' && event.round === 3)).toBe(true);
    expect(h.server.status().phase).toBe('finished');
    expect(plan.summarize(2, run.stoppedEarly).owners.every((owner) => owner.epsilon <= cap)).toBe(true);
  }, 60_000);
});

describe('a client that keeps its own budget', () => {
  it('refuses, with an error reply and without crashing, a fit it cannot pay — and one without DP', async () => {
    const names = ['h0', 'h1'];
    const { strategy } = await privateStrategy(sampleDp, { rounds: 3, fraction: 1 }, 2);
    const h = (harness = await startHarness({ clients: names, rounds: 3, minClients: 1, strategy, heartbeatIntervalMs: 0, deadlineMs: 20_000 }));
    const oneRound = subsampledGaussianEpsilon({ noiseMultiplier: 1.3, sampleRate: 8 / 24, steps: 3 }, 1e-5, 'rdp');
    const twoRounds = subsampledGaussianEpsilon({ noiseMultiplier: 1.3, sampleRate: 8 / 24, steps: 6 }, 1e-5, 'rdp');
    // h0 can pay for one round, not two.
    const ledger = new InMemoryBudgetLedger();
    const tight = await OwnerBudget.open({ ledger, owner: 'h0', delta: 1e-5, accountant: 'rdp', budget: { epsilon: (oneRound + twoRounds) / 2, delta: 1e-5 } });
    const [clients, run] = await runAll(h, names, (name) => (name === 'h0' ? { ownerBudget: tight } : {}));
    expect(run.rounds).toBe(3);
    expect(clients[0]).toMatchObject({ reason: 'finished', fits: 1 });
    expect(clients[1]).toMatchObject({ reason: 'finished', fits: 3 });
    expect(tight.epsilon).toBe(oneRound);
    expect((await ledger.spent('h0')).epsilon).toBeLessThanOrEqual((oneRound + twoRounds) / 2);
    const refusals = h.events.filter((event) => event.kind === 'client-error' && event.clientId === 'h0');
    expect(refusals).toHaveLength(2);
    expect(refusals[0]!.message).toMatch(/^client h0: DP_BUDGET_EXCEEDED: h0 refuses round 2: 3 more DP-SGD steps .* past its budget/);
    const rounds = h.store.roundMetrics(h.server.runId).map((entry) => entry.metrics as { participants: string[] });
    expect(rounds.map((round) => round.participants)).toEqual([['h0', 'h1'], ['h1'], ['h1']]);
  }, 60_000);

  it('refuses to train without DP when it demands DP (server without --dp), and answers no evaluation', async () => {
    const names = ['h0', 'h1'];
    const h = (harness = await startHarness({
      clients: names,
      rounds: 2,
      minClients: 1,
      heartbeatIntervalMs: 0,
      strategy: new FedAvg({ localEpochs: 1, batchSize: 8, optimizer, minClients: 1, fractionEvaluate: 1 }),
    }));
    const demanding = await OwnerBudget.open({ ledger: new InMemoryBudgetLedger(), owner: 'h0', delta: 1e-5, accountant: 'rdp', budget: { epsilon: 1, delta: 1e-5 } });
    const [clients, run] = await runAll(h, names, (name) => (name === 'h0' ? { ownerBudget: demanding } : {}));
    expect(run.rounds).toBe(2);
    expect(clients[0]).toMatchObject({ reason: 'finished', fits: 0, evaluations: 0 });
    expect(clients[1]).toMatchObject({ reason: 'finished', fits: 2, evaluations: 2 });
    const messages = h.events.filter((event) => event.kind === 'client-error' && event.clientId === 'h0').map((event) => event.message);
    expect(messages.filter((m) => m.startsWith('client h0: DP_REFUSED: h0 trains only with DP-SGD on its own records'))).toHaveLength(2);
    expect(messages.filter((m) => /UNSUPPORTED|EVALUATE_FAILED/.test(m) && m.includes('does not answer federated evaluation'))).toHaveLength(2);
    expect(demanding.epsilon).toBe(0);
  }, 60_000);
});

describe('cohort server --dp user over the network', () => {
  it('runs empty Poisson rounds (nobody trains, no retry) and charges every connected owner every round', async () => {
    const names = ['u0', 'u1', 'u2'];
    const dp: DpSimulationConfig = { level: 'user', noiseMultiplier: 2, delta: 1e-3, clippingNorm: 0.5, adaptiveClipping: false, accountant: 'rdp' };
    const { strategy, plan, ledger } = await privateStrategy(dp, { rounds: 8, fraction: 0.15 });
    const h = (harness = await startHarness({ clients: names, rounds: 8, minClients: 3, strategy, heartbeatIntervalMs: 0, deadlineMs: 20_000 }));
    const [clients, run] = await runAll(h, names);
    expect(run.rounds).toBe(8);
    const rounds = h.store.roundMetrics(h.server.runId).map((entry) => entry.metrics as { participants: string[] });
    // q = 0.15 with 3 clients: a round is empty with probability 0.85³ ≈ 0.61.
    const trained = clients.reduce((sum, client) => sum + client.fits, 0);
    expect(rounds.reduce((sum, round) => sum + round.participants.length, 0)).toBe(trained);
    expect(h.events.filter((event) => event.kind === 'round-retried')).toEqual([]);
    const epsilon = subsampledGaussianEpsilon({ noiseMultiplier: 2, sampleRate: 0.15, steps: 8 }, 1e-3, 'rdp');
    const summary = plan.summarize(8, undefined);
    expect(summary.owners.map((owner) => [owner.owner, owner.rounds, owner.epsilon])).toEqual(names.map((name) => [name, 8, epsilon]));
    for (const name of names) expect((await ledger.spent(name)).epsilon / epsilon - 1).toBeLessThan(1e-12);
  }, 60_000);
});
