// End to end over the network: a server with SecAgg+ and 10 real network clients on 127.0.0.1
// (in-process runNetworkClient, real training, real X25519/AES-GCM/Shamir). One client's
// connection is closed after it has shared its keys, when the maskedInput request comes; the round
// completes with the 9 others, and the global model equals plain FedAvg of the survivors'
// recorded updates within the fixed-point quantisation bound. No fit reply carries weights.
import { afterEach, describe, expect, it } from 'vitest';
import { loadBundledDataset } from '../../../src/data/bundled.js';
import { subset } from '../../../src/data/dataset.js';
import { type SecureClientFactory, defaultSecureClient, runNetworkClient } from '../../../src/fl/client/index.js';
import { FederationServer, type RoundRecord, type ServerLogEvent } from '../../../src/fl/server/index.js';
import { networkSecureAggregation } from '../../../src/fl/server/network-secagg.js';
import { FedAvg } from '../../../src/fl/strategies/fedavg.js';
import { storedKeyOf } from '../../../src/fl/transport/auth.js';
import { decodeFrame } from '../../../src/fl/transport/frame.js';
import { planFixedPoint, decodeServerMessage } from '../../../src/secagg/index.js';
import { createModel } from '../../../src/ml/index.js';
import { openDatabase } from '../../../src/store/database.js';
import { FederationStateStore } from '../../../src/store/federation-state.js';

const CLIENTS = 10;
const SIZES = [6, 8, 10, 12, 14, 16, 18, 20, 22, 24]; // 150 = all of iris, uneven so weighting matters
const WEIGHT_CAP = 30;
const UPDATE_RANGE = 4;
const VICTIM = 'c3';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

interface Recorded {
  readonly start: Float32Array;
  readonly trained: Float32Array;
  readonly numExamples: number;
}

/** Plain FedAvg of the recorded updates of `clients` (McMahan et al. 2017): w + Σ n_k Δ_k / Σ n_k. */
function plainFedAvg(records: Map<string, Recorded>, clients: readonly string[]): { weights: Float64Array; weightSum: number } {
  const first = records.get(clients[0] as string) as Recorded;
  const sum = new Float64Array(first.start.length);
  let total = 0;
  for (const id of clients) {
    const r = records.get(id) as Recorded;
    expect([...r.start]).toEqual([...first.start]); // every survivor started from the same global model
    total += r.numExamples;
    for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + r.numExamples * ((r.trained[i] as number) - (r.start[i] as number));
  }
  return { weights: sum.map((s, i) => (first.start[i] as number) + s / total), weightSum: total / WEIGHT_CAP };
}

describe('SecAgg+ over the network, 10 clients, one killed after key sharing', () => {
  it('completes the round and matches plain FedAvg of the survivors within quantisation error', async () => {
    const iris = loadBundledDataset('iris') as NonNullable<ReturnType<typeof loadBundledDataset>>;
    // iris is sorted by class: a stride coprime with 150 mixes the classes across clients.
    const order = Array.from({ length: 150 }, (_, i) => (i * 7) % 150);
    let offset = 0;
    const datasets = SIZES.map((size) => subset(iris, order.slice(offset, (offset += size))));
    const model = await createModel({ kind: 'logreg' }, { numFeatures: iris.numFeatures, numClasses: iris.numClasses }, { seed: 5 });
    const initial = model.getWeights();
    model.dispose();

    const db = openDatabase(':memory:');
    const store = new FederationStateStore(db);
    const names = SIZES.map((_, i) => `c${i}`);
    const tokens = names.map((name) => `${name}.secret-token-of-${name}-0123456789`);
    names.forEach((name, i) => store.addClient(name, storedKeyOf(tokens[i] as string)));
    const events: ServerLogEvent[] = [];
    const server = await FederationServer.create({
      store,
      strategy: new FedAvg({ localEpochs: 1, batchSize: 4, optimizer: { kind: 'sgd', learningRate: 0.05 } }),
      rounds: 2,
      minClients: CLIENTS - 1,
      roundDeadlineMs: 60_000,
      modelSpec: 'logreg',
      numFeatures: iris.numFeatures,
      classNames: iris.classNames,
      initialWeights: initial,
      seed: 11,
      log: (event) => events.push(event),
      secureAggregation: networkSecureAggregation({ maxClients: CLIENTS, weightCap: WEIGHT_CAP, updateRange: UPDATE_RANGE, stageDeadlineMs: 20_000 }),
    });
    const { url } = await server.listen();
    const controllers = names.map(() => new AbortController());
    cleanup = async () => {
      for (const controller of controllers) controller.abort();
      await server.close();
      db.close();
    };

    // What each client trained, per round, recorded inside the client before masking.
    const recorded = new Map<number, Map<string, Recorded>>();
    const victimAnswered: string[] = [];
    const factory =
      (index: number): SecureClientFactory =>
      (inner, settings) => {
        const recording = {
          id: inner.id,
          ...(inner.numExamples === undefined ? {} : { numExamples: inner.numExamples }),
          fit: async (weights: Float32Array, config: Parameters<typeof inner.fit>[1]) => {
            const response = await inner.fit(weights, config);
            const round = recorded.get(config.round) ?? new Map<string, Recorded>();
            round.set(inner.id, { start: weights.slice(), trained: response.weights.slice(), numExamples: response.numExamples });
            recorded.set(config.round, round);
            return response;
          },
        };
        const secure = defaultSecureClient(recording, settings);
        return {
          ...secure,
          handleSecAgg: async (request: Uint8Array) => {
            const stage = decodeServerMessage(request).stage;
            if (inner.id === VICTIM && stage === 'maskedInput') {
              // Killed after key sharing: its shares are with its neighbours, its masked input never leaves.
              (controllers[index] as AbortController).abort();
              throw new Error('killed');
            }
            const reply = await secure.handleSecAgg(request);
            if (inner.id === VICTIM) victimAnswered.push(stage);
            return reply;
          },
        };
      };

    const sentFitReplies: { client: string; bytes: number }[] = [];
    const clients = names.map((name, i) =>
      runNetworkClient({
        url,
        token: tokens[i] as string,
        data: datasets[i] as (typeof datasets)[number],
        signal: (controllers[i] as AbortController).signal,
        secureClient: factory(i),
        maxAttempts: 1,
        onFrameSent: (frame) => {
          const envelope = decodeFrame(frame);
          if (envelope.body.case === 'fitReply') sentFitReplies.push({ client: name, bytes: envelope.body.value.weights?.data.length ?? 0 });
        },
      }),
    );
    const deadline = Date.now() + 20_000;
    while (server.pool.size < CLIENTS) {
      if (Date.now() > deadline) throw new Error(`only ${server.pool.size} clients connected`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const { weights: final } = await server.run();
    const results = await Promise.all(clients);

    expect(victimAnswered).toEqual(['setup', 'shareKeys']);
    expect(results[3]?.reason).toBe('aborted');
    expect(results.filter((r) => r.reason === 'finished')).toHaveLength(CLIENTS - 1);
    expect(sentFitReplies.length).toBe(CLIENTS + CLIENTS - 1);
    expect(sentFitReplies.every((reply) => reply.bytes === 0)).toBe(true);

    const rounds = store.roundMetrics(server.runId).map((entry) => entry.metrics as unknown as RoundRecord);
    expect(rounds.map((r) => r.round)).toEqual([1, 2]);
    const survivors = names.filter((name) => name !== VICTIM);
    expect(rounds[0]?.participants).toEqual(survivors);
    expect(rounds[0]?.failures.map((f) => f.clientId)).toEqual([VICTIM]);
    expect(rounds[0]?.secureAggregation?.dropped).toEqual([VICTIM]);
    expect(rounds[0]?.secureAggregation?.survivors).toBe(CLIENTS - 1);
    expect(Object.keys(rounds[0]?.secureAggregation?.stageMs ?? {})).toEqual(['setup', 'shareKeys', 'maskedInput', 'unmask']);
    expect(rounds[0]?.numExamples).toBe(150 - (SIZES[3] as number));
    expect(rounds[1]?.participants).toEqual(survivors);
    expect(rounds[1]?.secureAggregation?.dropped).toEqual([]);

    // Round 1: the victim trained (its update exists on its side) but is not in the sum.
    expect(recorded.get(1)?.size).toBe(CLIENTS);
    const plan = planFixedPoint(UPDATE_RANGE, CLIENTS);
    const checkRound = (round: number, actual: Float32Array) => {
      const records = recorded.get(round) as Map<string, Recorded>;
      for (const r of records.values()) for (const v of r.trained.map((t, i) => t - (r.start[i] as number))) expect(Math.abs(v)).toBeLessThan(UPDATE_RANGE); // nothing clipped
      const { weights: reference, weightSum } = plainFedAvg(records, survivors);
      // Stochastic rounding errs by < 1/scale per client and coordinate, in Σ w·Δ and in Σ w·range:
      // |mean error| ≤ (n/scale + |mean|·n/(scale·range)) / (Σw − n/(scale·range)), plus float32 rounding.
      const n = survivors.length;
      let largestUpdate = 0;
      let largestError = 0;
      for (let i = 0; i < reference.length; i++) {
        const start = (records.get(survivors[0] as string) as Recorded).start[i] as number;
        const mean = (reference[i] as number) - start;
        const bound = (n / plan.scale + (Math.abs(mean) * n) / (plan.scale * UPDATE_RANGE)) / (weightSum - n / (plan.scale * UPDATE_RANGE)) + 4e-7 * Math.max(1, Math.abs(reference[i] as number));
        const error = Math.abs((actual[i] as number) - (reference[i] as number));
        expect(error, `round ${round}, coordinate ${i}`).toBeLessThanOrEqual(bound);
        largestUpdate = Math.max(largestUpdate, Math.abs(mean));
        largestError = Math.max(largestError, error);
      }
      // The comparison means something: the update is far above the quantisation error.
      expect(largestUpdate).toBeGreaterThan(1000 * largestError);
      expect(largestUpdate).toBeGreaterThan(1e-3);
    };
    // Round 1's global model is what the survivors started round 2 from.
    checkRound(1, (recorded.get(2)?.get(survivors[0] as string) as Recorded).start);
    checkRound(2, final);
    expect(events.some((e) => e.kind === 'round-retried')).toBe(false);
  }, 60_000);
});
