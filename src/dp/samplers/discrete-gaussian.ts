/**
 * Exact discrete Gaussian sampler: P[Y = y] ∝ exp(−y²/(2σ²)) on the integers, for a rational
 * variance σ² = n/d. Canonne, Kamath & Steinke, "The Discrete Gaussian for Differential Privacy",
 * NeurIPS 2020 (arXiv:2004.00010), Algorithm 3:
 *   t ← floor(σ) + 1;
 *   repeat: Y ← discrete Laplace with scale t (Algorithm 2);
 *           C ← Bernoulli(exp(−(|Y| − σ²/t)² / (2σ²)));  accept Y if C = 1.
 * With σ² = n/d the acceptance exponent is the rational X² / (2·n·d·t²), X = |Y|·d·t − n, so the
 * decision is integer arithmetic. Doubles are used while X² and 2·n·d·t² stay ≤ 2^53 − 1 (integer
 * variances up to about 3000², the secure-aggregation case), bigints otherwise.
 */
import { requireSecure, type RandomSource } from '../../crypto/random.js';
import { CohortError, check } from '../../errors.js';
import { bernoulliExp, bernoulliExpBig } from './bernoulli.js';
import { drawDiscreteLaplace, drawDiscreteLaplaceBigint } from './discrete-laplace.js';
import { bigSampleToNumber, checkLength, fillWith, type IntegerSampler } from './integer-sampler.js';
import { MAX_SAFE, RandomWords } from './random-words.js';
import { exactRationalOfNumber, integerSqrt, reduce, toRational, type Rational, type RationalInput } from './rational.js';

const TWO_POW_32 = 4294967296;
/** Largest integer whose square is ≤ 2^53 − 1. */
const MAX_SAFE_ROOT = 94906265;

export interface DiscreteGaussianOptions {
  /** σ² as a number (taken exactly) or a rational; give this or `standardDeviation`. */
  readonly variance?: RationalInput;
  /** σ as a double; its exact square is used as the variance. */
  readonly standardDeviation?: number;
  /** Randomness; defaults to the CSPRNG. A seeded source is refused outside tests. */
  readonly rng?: RandomSource;
}

export interface DiscreteGaussianSampler extends IntegerSampler {
  /** The exact variance parameter σ² used (the variance of the output is slightly below it). */
  readonly variance: Rational;
}

/** The exact variance σ² from the options (either the variance or the exact square of σ). */
export function discreteGaussianVariance(options: Pick<DiscreteGaussianOptions, 'variance' | 'standardDeviation'>): Rational {
  if (options.variance !== undefined && options.standardDeviation !== undefined) {
    throw new CohortError('INVALID_ARGUMENT', 'give either variance or standardDeviation, not both', {
      subject: 'standardDeviation',
    });
  }
  if (options.standardDeviation !== undefined) {
    const sd = options.standardDeviation;
    check(typeof sd === 'number' && Number.isFinite(sd) && sd > 0, 'standardDeviation', sd, 'a positive finite number');
    const r = exactRationalOfNumber(sd, 'standardDeviation');
    return reduce(r.numerator * r.numerator, r.denominator * r.denominator);
  }
  if (options.variance === undefined) {
    throw new CohortError('INVALID_ARGUMENT', 'variance (or standardDeviation) is required', { subject: 'variance' });
  }
  return toRational(options.variance, 'variance', { positive: true });
}

export function createDiscreteGaussianSampler(options: DiscreteGaussianOptions): DiscreteGaussianSampler {
  const variance = discreteGaussianVariance(options);
  const rng = requireSecure(options.rng, 'discrete Gaussian noise');
  const w = new RandomWords(rng);
  const nBig = variance.numerator;
  const dBig = variance.denominator;
  const tBig = integerSqrt(nBig / dBig) + 1n; // floor(σ) + 1 = isqrt(floor(σ²)) + 1
  const acceptDenBig = 2n * nBig * dBig * tBig * tBig;
  const dtBig = dBig * tBig;
  const safe = BigInt(MAX_SAFE);
  let sample: () => number;
  if (tBig <= BigInt(TWO_POW_32) && acceptDenBig <= safe && dtBig <= safe) {
    const n = Number(nBig);
    const t = Number(tBig);
    const dt = Number(dtBig);
    const acceptDen = Number(acceptDenBig);
    sample = () => {
      for (;;) {
        const y = drawDiscreteLaplace(w, t, 1);
        const ay = y < 0 ? -y : y;
        const scaled = ay * dt;
        const x = scaled - n;
        if (scaled <= MAX_SAFE && x <= MAX_SAFE_ROOT && x >= -MAX_SAFE_ROOT) {
          if (bernoulliExp(w, x * x, acceptDen)) return y;
        } else {
          const xb = BigInt(ay) * dtBig - nBig;
          if (bernoulliExpBig(w, xb * xb, acceptDenBig)) return y;
        }
      }
    };
  } else {
    sample = () => {
      for (;;) {
        const y = drawDiscreteLaplaceBigint(w, tBig, 1n);
        const ay = y < 0n ? -y : y;
        const xb = ay * dtBig - nBig;
        if (bernoulliExpBig(w, xb * xb, acceptDenBig)) return bigSampleToNumber(y, 'discrete Gaussian');
      }
    };
  }
  return {
    variance,
    sample,
    fill: (out) => fillWith(out, sample, 'discrete Gaussian'),
    dispose: () => w.dispose(),
  };
}

/** One exact discrete Gaussian sample with P[y] ∝ exp(−y²/(2σ²)). */
export function sampleDiscreteGaussian(options: DiscreteGaussianOptions): number {
  const sampler = createDiscreteGaussianSampler(options);
  try {
    return sampler.sample();
  } finally {
    sampler.dispose();
  }
}

/**
 * `n` independent exact discrete Gaussian samples, into `out` (a Float64Array by default; pass an
 * Int32Array for secure aggregation — a sample that does not fit throws rather than wraps).
 */
export function sampleDiscreteGaussianVector<T extends Int32Array | Float64Array = Float64Array>(
  n: number,
  options: DiscreteGaussianOptions & { readonly out?: T },
): T {
  checkLength(n);
  const out = options.out ?? (new Float64Array(n) as T);
  check(out.length === n, 'out.length', out.length, `equal to n = ${n}`);
  const sampler = createDiscreteGaussianSampler(options);
  try {
    return sampler.fill(out);
  } finally {
    sampler.dispose();
  }
}
