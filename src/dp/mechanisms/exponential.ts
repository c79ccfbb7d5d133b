/**
 * Private selection, sampled exactly (no floating point in any decision):
 * - The exponential mechanism (McSherry & Talwar, FOCS 2007): P[i] ∝ exp(ε·u_i/(2Δ)), or
 *   exp(ε·u_i/Δ) for utilities that are monotone in the data set (same paper; Dwork & Roth 2014,
 *   §3.4). Sampled by rejection: propose i uniformly (or ∝ an integer multiplicity), accept with
 *   probability exp(−γ_i), γ_i = ε·(u* − u_i)/(2Δ) ≥ 0, using the exact Bernoulli(exp(−γ)) of
 *   Canonne, Kamath & Steinke (2020, Algorithm 1) on the exact rational γ_i (every double is a
 *   rational). The accepted index has exactly the exponential-mechanism distribution; the
 *   expected number of proposals is m / Σ exp(−γ_i) ≤ m.
 * - Report-noisy-max with Gumbel noise of scale 2Δ/ε has exactly the exponential mechanism's
 *   distribution (the Gumbel-max trick; Durfee & Rogers, NeurIPS 2019), so it is sampled the same way.
 * - Report-noisy-max with exponential noise of scale 2Δ/ε is the permute-and-flip mechanism
 *   (McKenna & Sheldon, NeurIPS 2020; the identity is proved by Ding et al., "The Permute-and-Flip
 *   Mechanism is Identical to Report-Noisy-Max with Exponential Noise", 2021): visit the
 *   candidates in a uniformly random order and stop at i with probability exp(−γ_i). It is ε-DP and
 *   never less accurate in expectation than the exponential mechanism.
 */
import { requireSecure, type RandomSource } from '../../crypto/random.js';
import { CohortError, check } from '../../errors.js';
import { bernoulliExpBig } from '../samplers/bernoulli.js';
import { RandomWords } from '../samplers/random-words.js';
import { exactRationalOfNumber, type Rational } from '../samplers/rational.js';
import type { Released } from './guarantee.js';
import { checkEpsilon, checkSensitivity } from './validate.js';

export interface SelectionInput {
  /** Utility (score) of each candidate; higher is better. */
  readonly utilities: readonly number[];
  /** How much one privacy unit can change any utility. */
  readonly sensitivity: number;
  readonly epsilon: number;
  /** Utilities only move in one direction when a unit is added (counts): halves the exponent's denominator. */
  readonly monotonic?: boolean;
  readonly rng?: RandomSource;
}

function checkSelection(input: SelectionInput): void {
  check(Array.isArray(input.utilities) && input.utilities.length >= 1, 'utilities', input.utilities?.length, 'a non-empty array');
  input.utilities.forEach((u, i) => check(Number.isFinite(u), `utilities[${i}]`, u, 'a finite number'));
  checkSensitivity(input.sensitivity);
  checkEpsilon(input.epsilon);
}

/** γ_i = ε·(u* − u_i)/(c·Δ) as exact rationals, c = 2 (or 1 when monotonic). */
export function exponentialExponents(
  utilities: readonly number[],
  epsilon: number,
  sensitivity: number,
  monotonic = false,
): Rational[] {
  const best = Math.max(...utilities);
  const bestR = exactRationalOfNumber(best);
  const e = exactRationalOfNumber(epsilon);
  const d = exactRationalOfNumber(sensitivity);
  const c = monotonic ? 1n : 2n;
  return utilities.map((u) => {
    const ur = exactRationalOfNumber(u);
    // u* − u = (b_n·u_d − u_n·b_d)/(b_d·u_d)
    const gapNum = bestR.numerator * ur.denominator - ur.numerator * bestR.denominator;
    const gapDen = bestR.denominator * ur.denominator;
    return { numerator: e.numerator * gapNum * d.denominator, denominator: e.denominator * gapDen * c * d.numerator };
  });
}

/**
 * Index drawn with P[i] ∝ multiplicity_i·exp(−γ_i) (multiplicity 1 when omitted), by exact
 * rejection. Used by the exponential mechanism and the quantile statistic.
 */
export function sampleExponentialExact(
  words: RandomWords,
  exponents: readonly Rational[],
  multiplicities?: readonly number[],
): number {
  const m = exponents.length;
  if (multiplicities === undefined) {
    check(m <= 4294967296, 'candidates', m, 'at most 2^32');
    for (;;) {
      const i = words.below(m);
      const g = exponents[i] as Rational;
      if (bernoulliExpBig(words, g.numerator, g.denominator)) return i;
    }
  }
  check(multiplicities.length === m, 'multiplicities.length', multiplicities.length, `equal to the number of candidates (${m})`);
  const cumulative = new Float64Array(m);
  let total = 0;
  for (let i = 0; i < m; i++) {
    const k = multiplicities[i] as number;
    check(Number.isSafeInteger(k) && k >= 0, `multiplicities[${i}]`, k, 'a non-negative integer');
    total += k;
    cumulative[i] = total;
  }
  check(total >= 1 && Number.isSafeInteger(total), 'multiplicities', total, 'summing to a positive safe integer');
  for (;;) {
    const r = words.below(total);
    // First i with cumulative[i] > r.
    let lo = 0;
    let hi = m - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] as number) > r) hi = mid;
      else lo = mid + 1;
    }
    const g = exponents[lo] as Rational;
    if (bernoulliExpBig(words, g.numerator, g.denominator)) return lo;
  }
}

/** The exponential mechanism: returns the index of the selected candidate; ε-DP. */
export function exponentialMechanism(input: SelectionInput): Released<number> {
  checkSelection(input);
  const rng = requireSecure(input.rng, 'exponential mechanism');
  const words = new RandomWords(rng);
  try {
    const exponents = exponentialExponents(input.utilities, input.epsilon, input.sensitivity, input.monotonic);
    return {
      value: sampleExponentialExact(words, exponents),
      guarantee: {
        mechanism: 'exponential',
        epsilon: input.epsilon,
        delta: 0,
        sensitivity: input.sensitivity,
        noise: { distribution: 'exponential-mechanism' },
      },
    };
  } finally {
    words.dispose();
  }
}

/** Permute-and-flip (≡ report-noisy-max with exponential noise): index of the selected candidate; ε-DP. */
export function permuteAndFlip(input: SelectionInput): Released<number> {
  checkSelection(input);
  const rng = requireSecure(input.rng, 'permute-and-flip');
  const words = new RandomWords(rng);
  try {
    const exponents = exponentialExponents(input.utilities, input.epsilon, input.sensitivity, input.monotonic);
    const order = Array.from(exponents.keys());
    // Lazily shuffled (Fisher–Yates): position k is drawn only when visited.
    for (let k = 0; k < order.length; k++) {
      const j = k + words.below(order.length - k);
      const i = order[j] as number;
      order[j] = order[k] as number;
      order[k] = i;
      const g = exponents[i] as Rational;
      if (bernoulliExpBig(words, g.numerator, g.denominator)) {
        return {
          value: i,
          guarantee: { mechanism: 'permute-and-flip', epsilon: input.epsilon, delta: 0, sensitivity: input.sensitivity },
        };
      }
    }
    // The best candidate has γ = 0 and is always accepted, so the loop returns.
    throw new CohortError('INTERNAL', 'permute-and-flip visited every candidate without stopping');
  } finally {
    words.dispose();
  }
}

/**
 * Report-noisy-max: the index of the largest utility after independent noise of scale 2Δ/ε (Δ/ε
 * when monotonic). 'gumbel' noise gives the exponential mechanism's distribution, 'exponential'
 * noise gives permute-and-flip's; both are sampled exactly through those identities. ε-DP.
 */
export function reportNoisyMax(input: SelectionInput & { readonly noise?: 'exponential' | 'gumbel' }): Released<number> {
  const noise = input.noise ?? 'exponential';
  check(noise === 'exponential' || noise === 'gumbel', 'noise', noise, "'exponential' or 'gumbel'");
  const result = noise === 'gumbel' ? exponentialMechanism(input) : permuteAndFlip(input);
  return { value: result.value, guarantee: { ...result.guarantee, mechanism: 'report-noisy-max' } };
}
