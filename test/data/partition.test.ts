import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatPartitionSpec,
  loadDataset,
  parsePartitionSpec,
  partitionDataset,
  partitionIndices,
  summarizePartition,
  type Dataset,
  type PartitionSpec,
} from '../../src/data/index.js';
import { catchCohortError, datasetWithLabels } from './helpers.js';

const digits = (await loadDataset('digits')).data; // 1,797 examples, 10 roughly balanced classes

/** Jensen–Shannon divergence (base 2, in [0, 1]) between two distributions (Lin 1991). */
function jensenShannon(p: readonly number[], q: readonly number[]): number {
  const kl = (a: readonly number[], b: readonly number[]): number =>
    a.reduce((acc, ai, i) => (ai > 0 ? acc + ai * Math.log2(ai / (b[i] as number)) : acc), 0);
  const m = p.map((pi, i) => (pi + (q[i] as number)) / 2);
  return kl(p, m) / 2 + kl(q, m) / 2;
}

function normalise(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => c / total);
}

/** Mean over clients of the Jensen–Shannon divergence between the client's and the global label mix. */
function meanLabelSkew(parts: Dataset[]): number {
  const summary = summarizePartition(parts);
  const global = normalise(summary.clients.reduce((acc, c) => acc.map((a, k) => a + (c.labelCounts[k] as number)), new Array<number>(summary.classNames.length).fill(0)));
  return summary.clients.reduce((acc, c) => acc + jensenShannon(normalise(c.labelCounts), global), 0) / summary.clients.length;
}

function meanLabelEntropy(parts: Dataset[]): number {
  return (
    summarizePartition(parts).clients.reduce(
      (acc, c) => acc - normalise(c.labelCounts).reduce((h, p) => (p > 0 ? h + p * Math.log2(p) : h), 0),
      0,
    ) / parts.length
  );
}

describe('parsePartitionSpec', () => {
  it('parses the four forms and writes them back', () => {
    for (const text of ['iid', 'dirichlet:0.5', 'shards:2', 'quantity:1']) {
      expect(formatPartitionSpec(parsePartitionSpec(text))).toBe(text);
    }
    expect(parsePartitionSpec('dirichlet:0.1')).toEqual({ kind: 'dirichlet', alpha: 0.1 });
    expect(parsePartitionSpec('shards:3')).toEqual({ kind: 'shards', shardsPerClient: 3 });
  });

  it('names --partition and the value for α ≤ 0 and other malformed specs', () => {
    for (const text of ['dirichlet:0', 'dirichlet:-1', 'dirichlet:', 'dirichlet:abc', 'quantity:0', 'shards:1.5', 'shards:0', 'iid:2', 'noniid', '']) {
      const error = catchCohortError(() => parsePartitionSpec(text));
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.subject).toBe('--partition');
      expect(error.message).toMatch(/^--partition must be /);
      expect(error.message).toContain(`(got ${JSON.stringify(text)})`);
    }
  });
});

const specs: PartitionSpec[] = [
  { kind: 'iid' },
  { kind: 'dirichlet', alpha: 0.5 },
  { kind: 'dirichlet', alpha: 0.01 },
  { kind: 'shards', shardsPerClient: 2 },
  { kind: 'quantity', alpha: 0.5 },
  { kind: 'quantity', alpha: 0.01 },
];

describe('partitionDataset: invariants for every partitioner', () => {
  it('is a disjoint cover with at least one example per client (property, fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom(...specs),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (labels, wantedClients, spec, seed) => {
          const numClients = Math.min(wantedClients, labels.length);
          if (spec.kind === 'shards' && numClients * spec.shardsPerClient > labels.length) return;
          const parts = partitionIndices(datasetWithLabels(labels, 5), spec, numClients, seed);
          expect(parts).toHaveLength(numClients);
          for (const part of parts) expect(part.length).toBeGreaterThanOrEqual(1);
          expect(parts.flat().sort((a, b) => a - b)).toEqual(labels.map((_, i) => i));
        },
      ),
      { numRuns: 300, seed: 20240611 },
    );
  });

  for (const spec of specs) {
    const name = formatPartitionSpec(spec);
    it(`${name}: reproducible from the seed, different with another seed, sizes sum to n`, () => {
      const a = partitionDataset(digits, spec, 10, 1);
      const b = partitionDataset(digits, spec, 10, 1);
      const c = partitionDataset(digits, spec, 10, 2);
      expect(a.map((p) => Array.from(p.features.subarray(0, 64 * 3)))).toEqual(b.map((p) => Array.from(p.features.subarray(0, 64 * 3))));
      expect(a.map((p) => Array.from(p.labels))).toEqual(b.map((p) => Array.from(p.labels)));
      expect(a.map((p) => Array.from(p.labels))).not.toEqual(c.map((p) => Array.from(p.labels)));
      expect(a.reduce((sum, p) => sum + p.numExamples, 0)).toBe(digits.numExamples);
      expect(Math.min(...a.map((p) => p.numExamples))).toBeGreaterThanOrEqual(1);
      // Each client keeps the data set's classes and shape.
      expect(a[0]?.classNames).toEqual(digits.classNames);
      expect(a[0]?.exampleShape).toEqual([8, 8, 1]);
    });
  }

  it('gives one example each when there are as many clients as examples', () => {
    const data = datasetWithLabels([0, 0, 0, 1, 1, 2], 3);
    for (const spec of specs) {
      expect(partitionDataset(data, spec.kind === 'shards' ? { kind: 'shards', shardsPerClient: 1 } : spec, 6, 9).map((p) => p.numExamples)).toEqual(
        [1, 1, 1, 1, 1, 1],
      );
    }
  });

  it('names --clients and the value when there are more clients than examples', () => {
    const error = catchCohortError(() => partitionDataset(datasetWithLabels([0, 1, 0], 2, 'tiny'), { kind: 'iid' }, 4, 1));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.subject).toBe('--clients');
    expect(error.message).toBe('--clients 4 is more than the 3 examples of "tiny" to share; every client needs at least one');
    expect(catchCohortError(() => partitionDataset(digits, { kind: 'iid' }, 0, 1)).subject).toBe('--clients');
  });
});

describe('iid', () => {
  it('deals out sizes that differ by at most one, each with roughly the global label mix', () => {
    const parts = partitionDataset(digits, { kind: 'iid' }, 7, 3);
    const sizes = parts.map((p) => p.numExamples);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(meanLabelSkew(parts)).toBeLessThan(0.05);
  });
});

describe('dirichlet:α (NIID-Bench label skew)', () => {
  it('skews labels more as α falls: JS divergence to the global mix rises and label entropy falls over α = 100, 1, 0.1', () => {
    const seeds = [1, 2, 3, 4, 5];
    const measure = (alpha: number): { skew: number; entropy: number } => {
      let skew = 0;
      let entropy = 0;
      for (const seed of seeds) {
        const parts = partitionDataset(digits, { kind: 'dirichlet', alpha }, 10, seed);
        skew += meanLabelSkew(parts) / seeds.length;
        entropy += meanLabelEntropy(parts) / seeds.length;
      }
      return { skew, entropy };
    };
    const [high, mid, low] = [100, 1, 0.1].map(measure) as [ReturnType<typeof measure>, ReturnType<typeof measure>, ReturnType<typeof measure>];
    expect(high.skew).toBeLessThan(mid.skew);
    expect(mid.skew).toBeLessThan(low.skew);
    expect(high.entropy).toBeGreaterThan(mid.entropy);
    expect(mid.entropy).toBeGreaterThan(low.entropy);
    // Near-IID at α = 100 (log2 10 ≈ 3.32 bits is the uniform maximum), a few labels each at α = 0.1.
    expect(high.entropy).toBeGreaterThan(3.1);
    expect(low.entropy).toBeLessThan(2);
  });
});

describe('shards:k (McMahan et al. 2017)', () => {
  // A shard cut from the label-sorted list spans at most two labels when it is no larger than the
  // smallest class (digits: 174), so a client with k shards holds at most 2·k labels.
  for (const [k, numClients] of [
    [1, 20],
    [2, 10],
    [3, 10],
  ] as const) {
    it(`shards:${k} with ${numClients} clients gives each client k near-equal shards holding at most 2·k labels`, () => {
      const parts = partitionDataset(digits, { kind: 'shards', shardsPerClient: k }, numClients, 11);
      const shardSize = digits.numExamples / (numClients * k);
      expect(shardSize).toBeLessThanOrEqual(Math.min(...summarizePartition([digits]).clients[0]!.labelCounts));
      for (const summary of summarizePartition(parts).clients) {
        expect(summary.labelCounts.filter((c) => c > 0).length).toBeLessThanOrEqual(2 * k);
        expect(summary.examples).toBeGreaterThanOrEqual(k * Math.floor(shardSize));
        expect(summary.examples).toBeLessThanOrEqual(k * Math.ceil(shardSize));
      }
    });
  }

  it('refuses more shards than examples, naming --partition', () => {
    const error = catchCohortError(() => partitionDataset(datasetWithLabels([0, 1, 0, 1, 0], 2), { kind: 'shards', shardsPerClient: 2 }, 3, 1));
    expect(error.subject).toBe('--partition');
    expect(error.message).toContain('needs 6 shards, more than the 5 examples');
  });
});

describe('quantity:α (quantity skew)', () => {
  const sizeSpread = (alpha: number): number => {
    let spread = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const sizes = partitionDataset(digits, { kind: 'quantity', alpha }, 10, seed).map((p) => p.numExamples);
      const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
      spread += Math.sqrt(sizes.reduce((a, s) => a + (s - mean) ** 2, 0) / sizes.length) / mean / 5; // coefficient of variation
    }
    return spread;
  };

  it('spreads client sizes more as α falls while labels stay close to IID', () => {
    const [high, mid, low] = [100, 1, 0.1].map(sizeSpread) as [number, number, number];
    expect(high).toBeLessThan(mid);
    expect(mid).toBeLessThan(low);
    // Dirichlet(100·1₁₀): each share has sd ≈ √(0.1·0.9/1001) ≈ 0.0095 around 0.1, a CV near 0.1.
    expect(high).toBeLessThan(0.2);
    const parts = partitionDataset(digits, { kind: 'quantity', alpha: 1 }, 5, 4);
    const big = parts.filter((p) => p.numExamples >= 100);
    expect(meanLabelSkew(big)).toBeLessThan(0.05);
  });
});

describe('summarizePartition', () => {
  it('reports examples and label counts per client with the class names', () => {
    const data = datasetWithLabels([0, 1, 1, 2, 2, 2], 3);
    const parts = partitionDataset(data, { kind: 'shards', shardsPerClient: 1 }, 3, 5);
    const summary = summarizePartition(parts);
    expect(summary.classNames).toEqual(['class0', 'class1', 'class2']);
    expect(summary.clients.map((c) => c.client)).toEqual([0, 1, 2]);
    expect(summary.clients.map((c) => c.examples)).toEqual([2, 2, 2]);
    const totals = summary.clients.reduce((acc, c) => acc.map((a, k) => a + (c.labelCounts[k] as number)), [0, 0, 0]);
    expect(totals).toEqual([1, 2, 3]);
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
    expect(() => summarizePartition([])).toThrow(/parts.length must be at least 1/);
  });
});
