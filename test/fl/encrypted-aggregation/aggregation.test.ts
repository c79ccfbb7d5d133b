import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { weightedMean } from '../../../src/aggregation/index.js';
import { SeededRandom } from '../../../src/crypto/random.js';
import { CohortError } from '../../../src/errors.js';
import {
  EncryptedSum,
  KeyHolder,
  PaillierAggregation,
  dealFederationKey,
  decryptSum,
  encryptUpdate,
  encryptingClient,
  planAggregation,
  type DealtKey,
} from '../../../src/fl/encrypted-aggregation/index.js';
import { runFederation } from '../../../src/fl/server.js';
import { FedAvg, FedProx } from '../../../src/fl/strategies/index.js';
import type { Strategy } from '../../../src/fl/strategy.js';
import { quadraticClient } from '../quadratic-clients.js';

// 512-bit keys keep dealing under a second; the layout maths does not depend on the size.
let key: DealtKey;
beforeAll(() => {
  key = dealFederationKey({ bits: 512, parties: 3, threshold: 2 });
});

function randomVector(rng: SeededRandom, length: number, scale: number): Float32Array {
  return Float32Array.from({ length }, () => (rng.uniform() * 2 - 1) * scale);
}

function holders(maxClients: number, maxExamples: number, minContributors = 2) {
  const plan = planAggregation(key.parameters.publicKey, { updateRange: 0.5, maxClients, maxExamplesPerClient: maxExamples });
  return { plan, keyHolders: key.shares.map((share) => new KeyHolder(share, plan.scheme, { minContributors })) };
}

describe('encrypted aggregation equals FedAvg', () => {
  for (const clients of [2, 3, 7]) {
    it(`${clients} clients: decrypted mean within the quantisation bound of plain FedAvg`, async () => {
      const rng = new SeededRandom(100 + clients);
      const length = 130; // several ciphertexts, the last one partly filled
      const global = randomVector(rng, length, 2);
      const locals = Array.from({ length: clients }, () => Float32Array.from(global, (w) => w + (rng.uniform() * 2 - 1) * 0.4));
      const sizes = Array.from({ length: clients }, () => 1 + rng.uniformInt(300));
      const { plan, keyHolders } = holders(clients, 300);
      const sum = new EncryptedSum(plan.scheme, length);
      for (let k = 0; k < clients; k++) sum.add(await encryptUpdate(plan, global, locals[k]!, sizes[k]!));
      const total = await decryptSum(key.parameters, plan.scheme, sum.request(1), keyHolders.slice(0, 2));
      const expected = weightedMean(locals, sizes);
      const examples = sizes.reduce((a, b) => a + b, 0);
      for (let i = 0; i < length; i++) {
        const encrypted = global[i]! + total[i]! / examples;
        // Bound 2^−(f+1) from plan.ts, plus float32 rounding of FedAvg's own result.
        const tolerance = plan.quantizationBound + 2 ** -23 * Math.abs(expected[i]!) + 1e-12;
        expect(Math.abs(encrypted - expected[i]!)).toBeLessThanOrEqual(tolerance);
      }
      expect(plan.quantizationBound).toBeLessThan(1e-6);
      expect(sum.clippedValues).toBe(0);
    });
  }

  it('any two of the three key holders decrypt the same sum (property: sums of random updates)', async () => {
    const { plan } = holders(4, 50);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.double({ min: -0.5, max: 0.5, noNaN: true }), { minLength: 5, maxLength: 5 }), { minLength: 2, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 4, maxLength: 4 }),
        fc.constantFrom([0, 1], [0, 2], [1, 2]),
        async (deltas, counts, pair) => {
          const global = new Float32Array(5);
          const sum = new EncryptedSum(plan.scheme, 5);
          let exact = new Float64Array(5);
          let examples = 0;
          for (let k = 0; k < deltas.length; k++) {
            const local = Float32Array.from(deltas[k]!);
            sum.add(await encryptUpdate(plan, global, local, counts[k]!));
            exact = exact.map((v, i) => v + counts[k]! * local[i]!);
            examples += counts[k]!;
          }
          const fresh = key.shares.map((share) => new KeyHolder(share, plan.scheme));
          const total = await decryptSum(key.parameters, plan.scheme, sum.request(1), pair.map((i) => fresh[i]!));
          for (let i = 0; i < 5; i++) expect(Math.abs(total[i]! / examples - exact[i]! / examples)).toBeLessThanOrEqual(plan.quantizationBound);
        },
      ),
      { numRuns: 8, seed: 7 },
    );
  });
});

describe('who can decrypt', () => {
  async function twoUpdates() {
    const { plan, keyHolders } = holders(3, 10);
    const global = new Float32Array(4);
    const sum = new EncryptedSum(plan.scheme, 4);
    sum.add(await encryptUpdate(plan, global, Float32Array.of(0.1, -0.2, 0.3, 0), 2));
    sum.add(await encryptUpdate(plan, global, Float32Array.of(0.2, 0.2, -0.1, 0.4), 3));
    return { plan, keyHolders, sum };
  }

  it('a single key holder cannot decrypt: the combination is refused, and forced it gives garbage', async () => {
    const { plan, keyHolders, sum } = await twoUpdates();
    await expect(decryptSum(key.parameters, plan.scheme, sum.request(1), keyHolders.slice(0, 1))).rejects.toMatchObject({ code: 'ROUND_INCOMPLETE' });
    const request = sum.request(2);
    const alone = await keyHolders[1]!.partialDecryptSum(request);
    const forced = key.parameters.combineUnchecked([{ index: alone.index, value: alone.values[0]! }]);
    expect(() => plan.scheme.unpack([forced], 4, 2)).toThrow(CohortError);
  });

  it('key holders refuse a "sum" of one update and a second request for the same round', async () => {
    const { plan, keyHolders } = holders(3, 10);
    const one = new EncryptedSum(plan.scheme, 2);
    one.add(await encryptUpdate(plan, new Float32Array(2), Float32Array.of(0.1, 0.2), 1));
    await expect(keyHolders[0]!.partialDecryptSum(one.request(1))).rejects.toThrow(/at least 2 updates/);
    const { sum } = await twoUpdates();
    await keyHolders[0]!.partialDecryptSum(sum.request(5));
    await expect(keyHolders[0]!.partialDecryptSum(sum.request(5))).rejects.toThrow(/already decrypted round 5/);
  });
});

describe('the server side', () => {
  it('reports clipped coordinates and clips them to ±updateRange', async () => {
    const { plan, keyHolders } = holders(2, 5);
    const global = new Float32Array(3);
    const a = await encryptUpdate(plan, global, Float32Array.of(2, -0.25, -9), 1);
    const b = await encryptUpdate(plan, global, Float32Array.of(0, 0, 0), 1);
    expect(a.clippedValues).toBe(2);
    const sum = new EncryptedSum(plan.scheme, 3);
    sum.add(a);
    sum.add(b);
    expect(sum.clippedValues).toBe(2);
    const total = await decryptSum(key.parameters, plan.scheme, sum.request(1), keyHolders);
    expect(Array.from(total)).toEqual([0.5, -0.25, -0.5]);
  });

  it('refuses malformed ciphertext bytes, a wrong length and one client more than the layout holds', async () => {
    const { plan } = holders(2, 5);
    const update = await encryptUpdate(plan, new Float32Array(3), Float32Array.of(0.1, 0.1, 0.1), 1);
    const sum = new EncryptedSum(plan.scheme, 3);
    expect(() => sum.add({ ...update, ciphertexts: update.ciphertexts.subarray(1) })).toThrow(/takes/);
    expect(() => sum.add({ ...update, ciphertexts: new Uint8Array(update.ciphertexts.length).fill(0xff) })).toThrow(/\(0, n²\)/);
    expect(() => sum.add({ ...update, length: 4 })).toThrow(/update.length/);
    sum.add(update);
    sum.add(update);
    expect(() => sum.add(update)).toThrow(/maxSummands/);
  });

  it('refuses an update weighted by more examples than the layout allows', async () => {
    const { plan } = holders(2, 5);
    await expect(encryptUpdate(plan, new Float32Array(1), new Float32Array(1), 6)).rejects.toThrow(/maxExamplesPerClient 5/);
  });

  it('refuses strategies that need individual updates, and plaintext results', async () => {
    const { plan, keyHolders } = holders(2, 5);
    const median: Strategy = { name: 'Median', configureFit: () => [], aggregateFit: () => ({ weights: new Float32Array(0), metrics: {} }) };
    expect(() => new PaillierAggregation(median, { plan, parameters: key.parameters, keyHolders })).toThrow(/needs the individual client updates/);
    class ServerMomentum extends FedAvg {
      override readonly name = 'FedAvgM';
    }
    const momentum = new ServerMomentum({ localEpochs: 1, batchSize: 1, optimizer: { kind: 'sgd', learningRate: 0.1 } });
    expect(() => new PaillierAggregation(momentum, { plan, parameters: key.parameters, keyHolders })).toThrow(/strategy FedAvgM needs/);
    expect(() => new PaillierAggregation(new FedProx({ localEpochs: 1, batchSize: 1, optimizer: { kind: 'sgd', learningRate: 0.1 }, proximalMu: 0.1 }), { plan, parameters: key.parameters, keyHolders })).not.toThrow();
    const strategy = new PaillierAggregation(fedAvg(), { plan, parameters: key.parameters, keyHolders });
    await expect(
      strategy.aggregateFit({ round: 1, globalWeights: new Float32Array(2), failures: [], results: [{ clientId: 'a', weights: new Float32Array(2), numExamples: 1, metrics: { trainLoss: 0 } }] }),
    ).rejects.toThrow(/sent no encrypted update/);
  });
});

function fedAvg(): FedAvg {
  return new FedAvg({ localEpochs: 1, batchSize: 1, optimizer: { kind: 'sgd', learningRate: 0.1 } });
}

describe('a federation with encrypted aggregation', () => {
  it('learns like FedAvg on quadratic clients (3 rounds, 4 clients); the strategy sees only ciphertexts', async () => {
    const rng = new SeededRandom(3);
    const targets = Array.from({ length: 4 }, () => randomVector(rng, 20, 1));
    const sizes = [10, 25, 40, 5];
    const make = () => targets.map((target, k) => quadraticClient({ id: `c${k}`, target, numExamples: sizes[k]! }));
    const plain = await runFederation({ strategy: fedAvg(), clients: make(), rounds: 3, initialWeights: new Float32Array(20), rng: new SeededRandom(1) });

    const plan = planAggregation(key.parameters.publicKey, { updateRange: 2, maxClients: 4, maxExamplesPerClient: 40 });
    let seen: readonly unknown[] = [];
    const keyHolders = key.shares.map((share) => new KeyHolder(share, plan.scheme));
    const strategy = new PaillierAggregation(fedAvg(), { plan, parameters: key.parameters, keyHolders });
    const spy: Strategy = {
      name: strategy.name,
      configureFit: (context) => strategy.configureFit(context),
      aggregateFit: (context) => {
        seen = context.results.map((result) => result.weights.length);
        return strategy.aggregateFit(context);
      },
    };
    const encrypted = await runFederation({
      strategy: spy,
      clients: make().map((client) => encryptingClient(client, plan)),
      rounds: 3,
      initialWeights: new Float32Array(20),
      rng: new SeededRandom(1),
    });
    expect(seen).toEqual([0, 0, 0, 0]);
    for (let i = 0; i < 20; i++) expect(Math.abs(encrypted.weights[i]! - plain.weights[i]!)).toBeLessThan(3 * (plan.quantizationBound + 1e-6));
    expect(encrypted.rounds.map((round) => round.aggregateMetrics.clippedValues)).toEqual([0, 0, 0]);
  });
});

