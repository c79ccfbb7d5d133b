// The dashboard: / serves the page, /api/status and /api/rounds serve the run's JSON.
import { afterEach, describe, expect, it } from 'vitest';
import { FedAvg } from '../../../src/fl/strategies/fedavg.js';
import { FederationServer } from '../../../src/fl/server/index.js';
import { openDatabase } from '../../../src/store/database.js';
import { FederationStateStore } from '../../../src/store/federation-state.js';
import { registerDashboard } from '../../../src/web/dashboard/routes.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('dashboard', () => {
  it('serves the page and the JSON of status, rounds and ε per owner', async () => {
    const db = openDatabase(':memory:');
    const store = new FederationStateStore(db);
    const server = await FederationServer.create({
      store,
      strategy: new FedAvg({ localEpochs: 1, batchSize: 1, optimizer: { kind: 'sgd', learningRate: 0.1 } }),
      rounds: 5,
      minClients: 2,
      roundDeadlineMs: 1000,
      modelSpec: 'logreg',
      numFeatures: 2,
      classNames: ['a', 'b'],
      initialWeights: new Float32Array(6),
      seed: 1,
      routes: (app, federation) => registerDashboard(app, federation),
    });
    const { httpUrl } = await server.listen();
    cleanup = async () => {
      await server.close();
      db.close();
    };
    store.saveRound(server.runId, { round: 1, metrics: { round: 1, accuracy: 0.8, loss: 0.4, trainLoss: 0.5 }, weights: new Float32Array(6), rngDraws: 2, privacy: [{ client: 'h1', epsilon: 0.5, delta: 1e-5 }] });
    const page = await fetch(`${httpUrl}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('/api/status');
    const status = (await (await fetch(`${httpUrl}/api/status`)).json()) as { runId: string; rounds: number; minClients: number; connectedClients: string[]; privacy: { client: string; epsilon: number }[] };
    expect(status.runId).toBe(server.runId);
    expect(status.rounds).toBe(5);
    expect(status.connectedClients).toEqual([]);
    expect(status.privacy).toEqual([{ client: 'h1', epsilon: 0.5, delta: 1e-5, rounds: 1 }]);
    const rounds = (await (await fetch(`${httpUrl}/api/rounds`)).json()) as { round: number; accuracy: number }[];
    expect(rounds.map((r) => [r.round, r.accuracy])).toEqual([[1, 0.8]]);
  });
});
