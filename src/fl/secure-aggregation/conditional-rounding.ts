/**
 * Conditional randomised rounding (Kairouz, Liu & Steinke, ICML 2021, Section 4.1 and
 * Proposition 22): round each coordinate x_j to ⌊x_j⌋ + Bernoulli(x_j − ⌊x_j⌋) (unbiased), and
 * start again while the rounded vector's L2 norm exceeds the bound
 * (roundedL2NormBound in src/dp/accountants/distributed-discrete-gaussian.ts). One attempt fails
 * with probability at most β (e^{−1/2} by default), so the retries are bounded: after
 * `maxAttempts` failures (probability ≤ β^maxAttempts, e^{−50} for the default 100) the vector is
 * rounded towards zero instead, which never increases any coordinate's magnitude and so always
 * meets the bound. Either way the output's norm is at most the bound — the sensitivity the
 * accountant uses — whatever the randomness did.
 */
import type { RandomSource } from '../../crypto/random.js';
import { CohortError, check } from '../../errors.js';

export const DEFAULT_ROUNDING_ATTEMPTS = 100;

const TWO_POW_32 = 4294967296;

export interface RoundingOutcome {
  /** Stochastic attempts made (the last one accepted unless `truncated`). */
  readonly attempts: number;
  /** True when every attempt exceeded the bound and the vector was rounded towards zero. */
  readonly truncated: boolean;
}

/**
 * Writes into `out` an integer vector with ‖out‖₂ ≤ `bound`, rounding `values` (whose norm must
 * be at most `bound`). Integer results are exact in doubles while |values| < 2^52.
 */
export function conditionalRandomizedRound(
  values: Float64Array,
  bound: number,
  rng: RandomSource,
  out: Float64Array = new Float64Array(values.length),
  maxAttempts = DEFAULT_ROUNDING_ATTEMPTS,
): RoundingOutcome {
  check(out.length === values.length, 'out.length', out.length, `equal to values.length = ${values.length}`);
  check(Number.isFinite(bound) && bound >= 0, 'bound', bound, 'a finite number ≥ 0');
  check(Number.isSafeInteger(maxAttempts) && maxAttempts >= 1, 'maxAttempts', maxAttempts, 'an integer ≥ 1');
  const limit = bound * bound;
  let squaredNorm = 0;
  for (const x of values) squaredNorm += x * x;
  if (!(squaredNorm <= limit)) {
    throw new CohortError('INVALID_ARGUMENT', `the vector to round has norm ${Math.sqrt(squaredNorm)}, above the bound ${bound}`, { subject: 'values' });
  }
  const words = new Uint32Array(Math.min(values.length, 16384));
  const bytes = new Uint8Array(words.buffer);
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let sum = 0;
    for (let start = 0; start < values.length; start += words.length) {
      const end = Math.min(values.length, start + words.length);
      rng.fillBytes(bytes);
      for (let i = start; i < end; i++) {
        const x = values[i] as number;
        const floor = Math.floor(x);
        // Bernoulli(x − ⌊x⌋) from a uniform 32-bit word: P[u < frac·2^32] = frac to within 2^−32.
        const up = (words[i - start] as number) < (x - floor) * TWO_POW_32 ? 1 : 0;
        const rounded = floor + up;
        out[i] = rounded;
        sum += rounded * rounded;
      }
    }
    if (sum <= limit) {
      words.fill(0);
      return { attempts: attempt, truncated: false };
    }
  }
  words.fill(0);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const rounded = Math.trunc(values[i] as number);
    out[i] = rounded === 0 ? 0 : rounded; // no −0
    sum += rounded * rounded;
  }
  if (!(sum <= limit)) throw new CohortError('INTERNAL', `rounding towards zero gave norm ${Math.sqrt(sum)} above ${bound}`);
  return { attempts: maxAttempts, truncated: true };
}
