/**
 * Exact discrete Laplace sampler: P[Z = z] ∝ exp(−|z|/scale) on the integers, for a rational
 * scale = t/s. Canonne, Kamath & Steinke, "The Discrete Gaussian for Differential Privacy",
 * NeurIPS 2020 (arXiv:2004.00010), Algorithm 2:
 *   repeat: U ← uniform{0..t−1}; D ← Bernoulli(exp(−U/t)); if D = 0 reject;
 *           V ← number of successes of Bernoulli(exp(−1)) before the first failure;
 *           X ← U + t·V (so X is geometric: P[X = x] ∝ exp(−x/t));
 *           Y ← floor(X/s); B ← Bernoulli(1/2); if B = 1 and Y = 0 reject;
 *   return (1 − 2B)·Y.
 * Integer arithmetic only; doubles while t ≤ 2^32 and U + t·V ≤ 2^53 − 1, bigints otherwise.
 */
import { requireSecure, type RandomSource } from '../../crypto/random.js';
import { check } from '../../errors.js';
import {
  bernoulliExpMinusOne,
  bernoulliExpUnit,
  bernoulliExpUnitBig,
} from './bernoulli.js';
import { bigSampleToNumber, checkLength, fillWith, type IntegerSampler } from './integer-sampler.js';
import { MAX_SAFE, RandomWords } from './random-words.js';
import { toRational, type Rational, type RationalInput } from './rational.js';

const TWO_POW_32 = 4294967296;

export interface DiscreteLaplaceOptions {
  /** The scale b of P[z] ∝ exp(−|z|/b): a number (taken exactly) or a rational; b > 0. */
  readonly scale: RationalInput;
  /** Randomness; defaults to the CSPRNG. A seeded source is refused outside tests. */
  readonly rng?: RandomSource;
}

export interface DiscreteLaplaceSampler extends IntegerSampler {
  readonly scale: Rational;
}

/** One discrete Laplace draw from buffered words, for a scale t/s (t, s ≥ 1 integers). */
export function drawDiscreteLaplace(w: RandomWords, t: number, s: number): number {
  for (;;) {
    const u = w.below(t);
    if (!bernoulliExpUnit(w, u, t)) continue;
    let v = 0;
    while (bernoulliExpMinusOne(w)) v++;
    const x = u + t * v;
    if (x > MAX_SAFE) {
      // Leaving the exact double range (V ≥ 2^21 when t = 2^32): finish in bigints. Here
      // X > 2^53 − 1 ≥ s, so Y ≥ 1 and the "B = 1 and Y = 0" rejection cannot apply.
      const y = (BigInt(u) + BigInt(t) * BigInt(v)) / BigInt(s);
      return bigSampleToNumber(w.bit() === 1 ? -y : y, 'discrete Laplace');
    }
    const remainder = x % s;
    const y = (x - remainder) / s;
    const negative = w.bit() === 1;
    if (negative && y === 0) continue;
    return negative ? -y : y;
  }
}

/** One discrete Laplace draw in bigint arithmetic, for any scale t/s. */
export function drawDiscreteLaplaceBigint(w: RandomWords, t: bigint, s: bigint): bigint {
  for (;;) {
    const u = w.belowBig(t);
    if (!bernoulliExpUnitBig(w, u, t)) continue;
    let v = 0n;
    while (bernoulliExpMinusOne(w)) v += 1n;
    const y = (u + t * v) / s;
    const negative = w.bit() === 1;
    if (negative && y === 0n) continue;
    return negative ? -y : y;
  }
}

export function createDiscreteLaplaceSampler(options: DiscreteLaplaceOptions): DiscreteLaplaceSampler {
  const scale = toRational(options.scale, 'scale', { positive: true });
  const rng = requireSecure(options.rng, 'discrete Laplace noise');
  const w = new RandomWords(rng);
  const tBig = scale.numerator;
  const sBig = scale.denominator;
  const numberPath = tBig <= BigInt(TWO_POW_32) && sBig <= BigInt(MAX_SAFE);
  const t = Number(tBig);
  const s = Number(sBig);
  const sample = numberPath
    ? () => drawDiscreteLaplace(w, t, s)
    : () => bigSampleToNumber(drawDiscreteLaplaceBigint(w, tBig, sBig), 'discrete Laplace');
  return {
    scale,
    sample,
    fill: (out) => fillWith(out, sample, 'discrete Laplace'),
    dispose: () => w.dispose(),
  };
}

/** One exact discrete Laplace sample with P[z] ∝ exp(−|z|/scale). */
export function sampleDiscreteLaplace(options: DiscreteLaplaceOptions): number {
  const sampler = createDiscreteLaplaceSampler(options);
  try {
    return sampler.sample();
  } finally {
    sampler.dispose();
  }
}

/** `n` independent exact discrete Laplace samples, into `out` (a Float64Array by default). */
export function sampleDiscreteLaplaceVector<T extends Int32Array | Float64Array = Float64Array>(
  n: number,
  options: DiscreteLaplaceOptions & { readonly out?: T },
): T {
  checkLength(n);
  const out = options.out ?? (new Float64Array(n) as T);
  check(out.length === n, 'out.length', out.length, `equal to n = ${n}`);
  const sampler = createDiscreteLaplaceSampler(options);
  try {
    return sampler.fill(out);
  } finally {
    sampler.dispose();
  }
}
