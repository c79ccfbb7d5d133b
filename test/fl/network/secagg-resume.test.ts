// A server stopped in the middle of a SecAgg+ round, then restarted with --resume on the same
// database and port: the interrupted round is redone from the last checkpoint (never recorded
// twice, never half-aggregated), under a fresh session id, with fresh client keys — no mask,
// key or share of the interrupted attempt is reused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBundledDataset } from '../../../src/data/bundled.js';
import { subset } from '../../../src/data/dataset.js';
import { type SecureClientFactory, defaultSecureClient, runNetworkClient } from '../../../src/fl/client/index.js';
import { FederationServer, type FederationServerOptions, networkSecureAggregation } from '../../../src/fl/server/index.js';
import { FedAvg } from '../../../src/fl/strategies/fedavg.js';
import { storedKeyOf } from '../../../src/fl/transport/auth.js';
import { createModel } from '../../../src/ml/index.js';
import { decodeClientMessage, decodeServerMessage } from '../../../src/secagg/index.js';
import { openDatabase } from '../../../src/store/database.js';
import { FederationStateStore } from '../../../src/store/federation-state.js';

const dir = mkdtempSync(join(tmpdir(), 'cohort-secagg-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

interface Seen {
  readonly client: string;
  readonly round: number;
  readonly session: string;
  readonly stage: string;
  /** The client's advertised public keys (setup replies only). */
  readonly keys?: string;
}

describe('server restart during a SecAgg+ round', () => {
  it('redoes the round from the checkpoint with a fresh session and fresh keys', async () => {
    const iris = loadBundledDataset('iris') as NonNullable<ReturnType<typeof loadBundledDataset>>;
    const names = ['a', 'b', 'c'];
    const datasets = names.map((_, k) => subset(iris, Array.from({ length: 30 }, (_, i) => (i * 5 + k) % 150)));
    const model = await createModel({ kind: 'logreg' }, { numFeatures: 4, numClasses: 3 }, { seed: 2 });
    const initial = model.getWeights();
    model.dispose();
    const file = join(dir, 'server.db');
    const setupDb = openDatabase(file);
    const tokens = names.map((name) => `${name}.secret-token-of-${name}-0123456789`);
    names.forEach((name, i) => new FederationStateStore(setupDb).addClient(name, storedKeyOf(tokens[i] as string)));
    setupDb.close();

    const options = (db: ReturnType<typeof openDatabase>, port: number, resume: boolean): FederationServerOptions => ({
      store: new FederationStateStore(db),
      strategy: new FedAvg({ localEpochs: 1, batchSize: 8, optimizer: { kind: 'sgd', learningRate: 0.05 } }),
      rounds: 3,
      minClients: 3,
      roundDeadlineMs: 20_000,
      modelSpec: 'logreg',
      numFeatures: 4,
      classNames: iris.classNames,
      initialWeights: initial,
      seed: 9,
      port,
      resume,
      retryDelayMs: 20,
      secureAggregation: networkSecureAggregation({ maxClients: 3, weightCap: 100, updateRange: 4, stageDeadlineMs: 10_000 }),
    });

    // Client "b" holds its round-2 maskedInput request until the first server is gone.
    const seen: Seen[] = [];
    let reachedHold!: () => void;
    const held = new Promise<void>((resolve) => (reachedHold = resolve));
    let release!: (error: Error) => void;
    const released = new Promise<never>((_, reject) => (release = reject));
    released.catch(() => undefined);
    let holding = true;
    const factory: SecureClientFactory = (inner, settings) => {
      const secure = defaultSecureClient(inner, settings);
      return {
        ...secure,
        handleSecAgg: async (request: Uint8Array) => {
          const message = decodeServerMessage(request);
          if (inner.id === 'b' && message.round === 2 && message.stage === 'maskedInput' && holding) {
            holding = false;
            reachedHold();
            await released;
          }
          const reply = await secure.handleSecAgg(request);
          const answer = decodeClientMessage(reply);
          seen.push({
            client: inner.id,
            round: message.round,
            session: hex(message.sessionId),
            stage: message.stage,
            ...(answer.stage === 'setup' ? { keys: hex(answer.cPk) + hex(answer.sPk) } : {}),
          });
          return reply;
        },
      };
    };

    const dbA = openDatabase(file);
    const serverA = await FederationServer.create(options(dbA, 0, false));
    const { url, port } = await serverA.listen();
    const stop = new AbortController();
    const clients = names.map((_, i) =>
      runNetworkClient({ url, token: tokens[i] as string, data: datasets[i] as (typeof datasets)[number], secureClient: factory, signal: stop.signal, initialBackoffMs: 50, maxBackoffMs: 200 }),
    );
    try {
      const runA = serverA.run().then(
        () => 'finished',
        () => 'stopped',
      );
      await held;
      await serverA.close(); // the "crash": the loop stops mid-round, connections drop
      expect(await runA).toBe('stopped');
      release(new Error('server gone'));
      dbA.close();
      const storeAfterA = openDatabase(file);
      const runId = new FederationStateStore(storeAfterA).latestRun()?.id as string;
      expect(new FederationStateStore(storeAfterA).lastRound(runId)).toBe(1);
      storeAfterA.close();

      const dbB = openDatabase(file);
      const serverB = await FederationServer.create(options(dbB, port, true));
      await serverB.listen();
      try {
        const result = await serverB.run();
        expect(result.rounds).toBe(3);
        expect(serverB.runId).toBe(runId);
        const store = new FederationStateStore(dbB);
        expect(store.roundMetrics(runId).map((entry) => entry.round)).toEqual([1, 2, 3]);
      } finally {
        await serverB.close();
        dbB.close();
      }
    } finally {
      stop.abort();
      await Promise.all(clients);
    }

    // Round 2 ran twice: the interrupted attempt and the redo, under different session ids.
    const sessions = [...new Set(seen.filter((s) => s.round === 2 && s.stage === 'setup').map((s) => s.session))];
    expect(sessions).toHaveLength(2);
    const [interrupted, redo] = sessions as [string, string];
    // The interrupted attempt never got past maskedInput; the redo completed all four stages.
    expect(seen.some((s) => s.session === interrupted && s.stage === 'unmask')).toBe(false);
    expect(new Set(seen.filter((s) => s.session === redo).map((s) => s.stage))).toEqual(new Set(['setup', 'shareKeys', 'maskedInput', 'unmask']));
    // Every client advertised new keys in the redo.
    for (const name of names) {
      const before = seen.find((s) => s.session === interrupted && s.client === name && s.stage === 'setup')?.keys;
      const after = seen.find((s) => s.session === redo && s.client === name && s.stage === 'setup')?.keys;
      expect(before).toBeDefined();
      expect(after).toBeDefined();
      expect(after).not.toBe(before);
    }
    // No key pair or session id appears twice anywhere in the run.
    const allKeys = seen.filter((s) => s.keys !== undefined).map((s) => s.keys);
    expect(new Set(allKeys).size).toBe(allKeys.length);
    const allSessions = [...new Set(seen.filter((s) => s.stage === 'setup').map((s) => s.session))];
    expect(allSessions).toHaveLength(4); // rounds 1, 2 (interrupted), 2 (redo), 3
  }, 30_000);
});
