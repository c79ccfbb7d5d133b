/**
 * Batches for DP-SGD.
 *
 * Poisson sampling (the default): every example joins the batch independently with probability
 * sampleRate, so batch sizes vary and a batch may be empty. This is the sampling the RDP and PLD
 * accountants analyse (Mironov, Talwar & Zhang 2019; Abadi et al. 2016 "lot" sampling), so it is
 * what privacy amplification by subsampling is proved for.
 *
 * Each inclusion is an exact Bernoulli(q) trial from 32-bit words: with t = ⌊q·2³²⌋ and
 * f = q·2³² − t, a word w < t includes, w > t excludes, and w = t (probability 2⁻³²) includes with
 * probability f from a further 53-bit uniform. q·2³² is exact in float64 (a power-of-two scaling),
 * so the inclusion probability is q up to the 53-bit resolution of f. The words are drawn in bulk
 * and zeroed after use: which examples were drawn is private.
 *
 * Shuffled fixed-size batches (an explicit option): a uniformly random permutation per epoch cut
 * into batches of one size. NOT covered by the Poisson analysis (see docs/dp-sgd.md).
 */
import type { RandomSource } from '../../crypto/random.js';
import { check } from '../../errors.js';

const TWO_POW_32 = 4294967296;

/** Indices (increasing) of the examples that join one Poisson-sampled batch. */
export function poissonBatch(numExamples: number, sampleRate: number, rng: RandomSource): Int32Array {
  check(Number.isSafeInteger(numExamples) && numExamples >= 0, 'numExamples', numExamples, 'a non-negative integer');
  check(sampleRate > 0 && sampleRate <= 1, 'sampleRate', sampleRate, 'in (0, 1]');
  if (sampleRate === 1) return Int32Array.from({ length: numExamples }, (_, i) => i);
  const scaled = sampleRate * TWO_POW_32;
  const threshold = Math.floor(scaled);
  const fraction = scaled - threshold;
  const chunk = 16384; // 64 KiB of randomness per fill, the platform CSPRNG's per-call maximum
  const buffer = new Uint32Array(Math.min(chunk, numExamples));
  const selected: number[] = [];
  for (let start = 0; start < numExamples; start += chunk) {
    const count = Math.min(chunk, numExamples - start);
    const view = buffer.subarray(0, count);
    rng.fillBytes(new Uint8Array(view.buffer, view.byteOffset, count * 4));
    for (let k = 0; k < count; k++) {
      const word = view[k] as number;
      if (word < threshold || (word === threshold && rng.uniform() < fraction)) selected.push(start + k);
    }
    view.fill(0);
  }
  return Int32Array.from(selected);
}

/** A uniformly random permutation of 0..n−1 (Fisher–Yates / Durstenfeld 1964). */
export function randomOrder(numExamples: number, rng: RandomSource): Int32Array {
  check(Number.isSafeInteger(numExamples) && numExamples >= 0, 'numExamples', numExamples, 'a non-negative integer');
  const order = Int32Array.from({ length: numExamples }, (_, i) => i);
  for (let i = numExamples - 1; i > 0; i--) {
    const j = rng.uniformInt(i + 1);
    const tmp = order[i] as number;
    order[i] = order[j] as number;
    order[j] = tmp;
  }
  return order;
}
