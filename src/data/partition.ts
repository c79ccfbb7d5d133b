/**
 * Splitting a data set among simulated clients. Every partitioner is reproducible from its seed
 * and gives every client at least one example.
 *
 * - iid: a seeded shuffle dealt out in near-equal parts (sizes differ by at most one).
 * - dirichlet:α (label skew): for each class k draw p_k ~ Dir(α·1_N) over the N clients and cut
 *   the class's shuffled examples at the cumulative proportions, as in NIID-Bench (Li, Diao, Chen &
 *   He 2022, "Federated Learning on Non-IID Data Silos: An Experimental Study", ICDE, §IV-A,
 *   "distribution-based label imbalance"; Hsu, Qi & Brown 2019, arXiv:1909.06335). Like NIID-Bench's
 *   code, a client already holding n/N examples gets no more of later classes, and the draw is
 *   repeated until every client has an example (NIID-Bench asks for 10; we ask for 1).
 * - shards:k (pathological label skew): sort by label, cut into N·k equal shards, give each client
 *   k random shards (McMahan, Moore, Ramage, Hampson & Agüera y Arcas 2017, "Communication-Efficient
 *   Learning of Deep Networks from Decentralized Data", AISTATS, §3: 200 shards of 300, 2 each).
 * - quantity:α (quantity skew): client sizes proportional to q ~ Dir(α·1_N), labels IID
 *   (NIID-Bench §IV-C). Each client first gets one example, the remaining n − N are cut at q's
 *   cumulative proportions, so no redraw is needed.
 */
import { SeededRandom } from '../crypto/random.js';
import { CohortError, check, formatValue } from '../errors.js';
import { labelCounts, subset, type Dataset } from './dataset.js';
import type { PartitionSpec } from './partition-spec.js';
import { randomPermutation, sampleDirichlet, shuffleInPlace } from './sampling.js';
import { appendRange, largestRemainder } from './split.js';

/** Dirichlet label-skew draws tried before the fallback that lends examples to empty clients. */
const MAX_DIRICHLET_ATTEMPTS = 100;

export interface PartitionSummary {
  readonly clients: { client: number; examples: number; labelCounts: number[] }[];
  readonly classNames: string[];
}

/** Splits `data` among `numClients` clients according to `spec`, reproducibly from `seed`. */
export function partitionDataset(data: Dataset, spec: PartitionSpec, numClients: number, seed: number): Dataset[] {
  const parts = partitionIndices(data, spec, numClients, seed);
  return parts.map((indices, client) => subset(data, indices, `${data.name} client ${client}`));
}

/**
 * The example indices of each client. Each client's indices are in a random order so that its
 * local data does not arrive sorted by class.
 */
export function partitionIndices(
  data: Pick<Dataset, 'labels' | 'numClasses' | 'numExamples' | 'name'>,
  spec: PartitionSpec,
  numClients: number,
  seed: number,
): number[][] {
  if (!Number.isInteger(numClients) || numClients < 1) {
    throw new CohortError('INVALID_ARGUMENT', `--clients must be an integer ≥ 1 (got ${formatValue(numClients)})`, {
      subject: '--clients',
    });
  }
  const n = data.numExamples;
  if (numClients > n) {
    throw new CohortError(
      'INVALID_ARGUMENT',
      `--clients ${numClients} is more than the ${n} examples of ${formatValue(data.name)} to share; every client needs at least one`,
      { subject: '--clients' },
    );
  }
  const rng = new SeededRandom(seed);
  let parts: number[][];
  switch (spec.kind) {
    case 'iid':
      parts = splitBySizes(Array.from(randomPermutation(n, rng)), equalSizes(n, numClients));
      break;
    case 'dirichlet':
      check(Number.isFinite(spec.alpha) && spec.alpha > 0, '--partition dirichlet alpha', spec.alpha, 'a number > 0');
      parts = dirichletLabelSkew(data, spec.alpha, numClients, rng);
      break;
    case 'shards':
      parts = shards(data, spec.shardsPerClient, numClients, rng);
      break;
    case 'quantity':
      check(Number.isFinite(spec.alpha) && spec.alpha > 0, '--partition quantity alpha', spec.alpha, 'a number > 0');
      parts = quantitySkew(n, spec.alpha, numClients, rng);
      break;
    default:
      throw new CohortError('INVALID_ARGUMENT', `--partition: unknown kind ${formatValue((spec as { kind: unknown }).kind)}`, {
        subject: '--partition',
      });
  }
  for (const part of parts) shuffleInPlace(part, rng);
  return parts;
}

function equalSizes(n: number, numClients: number): number[] {
  return largestRemainder(new Array<number>(numClients).fill(1), n);
}

function splitBySizes(order: readonly number[], sizes: readonly number[]): number[][] {
  const parts: number[][] = [];
  let start = 0;
  for (const size of sizes) {
    parts.push(order.slice(start, start + size));
    start += size;
  }
  return parts;
}

/** Cut points of `count` items at the cumulative proportions (floored, as numpy's astype(int)). */
function cutSizes(proportions: ArrayLike<number>, count: number): number[] {
  const sizes: number[] = [];
  let cumulative = 0;
  let previousCut = 0;
  for (let j = 0; j < proportions.length; j++) {
    cumulative += proportions[j] as number;
    const cut = j === proportions.length - 1 ? count : Math.min(count, Math.floor(cumulative * count));
    sizes.push(Math.max(0, cut - previousCut));
    previousCut = Math.max(previousCut, cut);
  }
  return sizes;
}

function shuffledClassIndices(data: Pick<Dataset, 'labels' | 'numClasses'>, rng: SeededRandom): number[][] {
  const byClass: number[][] = Array.from({ length: data.numClasses }, () => []);
  data.labels.forEach((label, i) => byClass[label]?.push(i));
  for (const indices of byClass) shuffleInPlace(indices, rng);
  return byClass;
}

function dirichletLabelSkew(
  data: Pick<Dataset, 'labels' | 'numClasses' | 'numExamples'>,
  alpha: number,
  numClients: number,
  rng: SeededRandom,
): number[][] {
  const n = data.numExamples;
  const concentration = new Array<number>(numClients).fill(alpha);
  let parts: number[][] = [];
  for (let attempt = 0; attempt < MAX_DIRICHLET_ATTEMPTS; attempt++) {
    parts = Array.from({ length: numClients }, () => []);
    for (const indices of shuffledClassIndices(data, rng)) {
      if (indices.length === 0) continue;
      const proportions = sampleDirichlet(concentration, rng);
      // NIID-Bench's balance rule: clients that already hold n/N examples take no more.
      let total = 0;
      for (let j = 0; j < numClients; j++) {
        if ((parts[j] as number[]).length >= n / numClients) proportions[j] = 0;
        total += proportions[j] as number;
      }
      if (total === 0) {
        // Every open client's share underflowed to 0 (tiny α): split evenly among the open ones.
        for (let j = 0; j < numClients; j++) proportions[j] = (parts[j] as number[]).length < n / numClients ? 1 : 0;
        total = proportions.reduce((a, b) => a + b, 0);
      }
      for (let j = 0; j < numClients; j++) proportions[j] = (proportions[j] as number) / total;
      let start = 0;
      cutSizes(proportions, indices.length).forEach((size, j) => {
        appendRange(parts[j] as number[], indices, start, start + size);
        start += size;
      });
    }
    if (parts.every((part) => part.length > 0)) return parts;
  }
  // Very small α with many clients rarely reaches every client: lend each empty client one
  // random example of the currently largest client.
  for (const part of parts) {
    if (part.length > 0) continue;
    const largest = parts.reduce((best, p) => (p.length > best.length ? p : best));
    const [moved] = largest.splice(rng.uniformInt(largest.length), 1);
    part.push(moved as number);
  }
  return parts;
}

function shards(
  data: Pick<Dataset, 'labels' | 'numClasses' | 'numExamples' | 'name'>,
  shardsPerClient: number,
  numClients: number,
  rng: SeededRandom,
): number[][] {
  check(Number.isInteger(shardsPerClient) && shardsPerClient >= 1, '--partition shards', shardsPerClient, 'an integer ≥ 1');
  const numShards = numClients * shardsPerClient;
  if (numShards > data.numExamples) {
    throw new CohortError(
      'INVALID_ARGUMENT',
      `--partition shards:${shardsPerClient} with --clients ${numClients} needs ${numShards} shards, more than the ${data.numExamples} examples of ${formatValue(data.name)}`,
      { subject: '--partition' },
    );
  }
  // Sorted by label; within a label the order is random (the shuffle before the stable grouping).
  const sorted = shuffledClassIndices(data, rng).flat();
  const shardList = splitBySizes(sorted, equalSizes(sorted.length, numShards));
  const shardOrder = randomPermutation(numShards, rng);
  return Array.from({ length: numClients }, (_, client) => {
    const part: number[] = [];
    for (let s = 0; s < shardsPerClient; s++) {
      const shard = shardList[shardOrder[client * shardsPerClient + s] as number] as number[];
      appendRange(part, shard, 0, shard.length);
    }
    return part;
  });
}

function quantitySkew(n: number, alpha: number, numClients: number, rng: SeededRandom): number[][] {
  const proportions = sampleDirichlet(new Array<number>(numClients).fill(alpha), rng);
  const sizes = cutSizes(proportions, n - numClients).map((size) => size + 1);
  return splitBySizes(Array.from(randomPermutation(n, rng)), sizes);
}

/** Examples and label counts per client: what a run result reports about the partition. */
export function summarizePartition(parts: readonly Dataset[]): PartitionSummary {
  check(parts.length >= 1, 'parts.length', parts.length, 'at least 1');
  const first = parts[0] as Dataset;
  parts.forEach((part, i) => {
    check(
      part.numClasses === first.numClasses,
      `parts[${i}].numClasses`,
      part.numClasses,
      `equal to parts[0].numClasses (${first.numClasses})`,
    );
  });
  return {
    clients: parts.map((part, client) => ({ client, examples: part.numExamples, labelCounts: labelCounts(part) })),
    classNames: [...first.classNames],
  };
}

