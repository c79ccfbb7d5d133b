/**
 * Special functions for differential-privacy accounting, accurate in double precision far into the
 * tails (accountants evaluate the Gaussian CDF at −40 and beyond, where Φ underflows to 0).
 *
 * erf/erfc/erfcx: W. J. Cody, "Rational Chebyshev approximations for the error function",
 * Math. Comp. 23 (1969) 631–637, coefficients as in Cody's SPECFUN routine CALERF (maximum relative
 * error below 1e-16 in each interval). erfcx(x) = exp(x²)·erfc(x) is what keeps log Φ finite in the
 * far tail: log Φ(x) = log(erfcx(−x/√2)/2) − x²/2.
 * logGamma: Lanczos (1964) approximation with g = 7, n = 9 (relative error ~1e-15), reflection for x < 0.5.
 */
import { check } from '../../errors.js';

const SQRT2 = Math.SQRT2;
const INV_SQRT_PI = 0.5641895835477563;
const LOG_2PI = 1.8378770664093456;

// Cody (1969), interval |x| ≤ 0.46875: erf(x) = x·A(x²)/B(x²).
const ERF_A = [3.1611237438705655, 113.86415415105016, 377.485237685302, 3209.3775891384694, 0.18577770618460315];
const ERF_B = [23.601290952344122, 244.02463793444417, 1282.6165260773723, 2844.236833439171];
// Interval 0.46875 < x ≤ 4: erfc(x) = exp(−x²)·C(x)/D(x).
const ERF_C = [
  0.5641884969886701, 8.883149794388377, 66.11919063714163, 298.6351381974001, 881.952221241769,
  1712.0476126340707, 2051.0783778260716, 1230.3393547979972, 2.1531153547440383e-8,
];
const ERF_D = [
  15.744926110709835, 117.6939508913125, 537.1811018620099, 1621.3895745666903, 3290.7992357334597,
  4362.619090143247, 3439.3676741437216, 1230.3393548037495,
];
// Interval x > 4: erfc(x) = exp(−x²)/x·(1/√π − x⁻²·P(x⁻²)/Q(x⁻²)).
const ERF_P = [
  0.30532663496123236, 0.36034489994980445, 0.12578172611122926, 0.016083785148742275,
  0.0006587491615298378, 0.016315387137302097,
];
const ERF_Q = [2.568520192289822, 1.8729528499234604, 0.5279051029514285, 0.06051834131244132, 0.0023352049762686918];

function at(table: readonly number[], i: number): number {
  return table[i] as number;
}

/** erf(y) for 0 ≤ y ≤ 0.46875 (Cody's first interval). */
function erfSmall(y: number): number {
  const z = y * y;
  let num = at(ERF_A, 4) * z;
  let den = z;
  for (let i = 0; i < 3; i++) {
    num = (num + at(ERF_A, i)) * z;
    den = (den + at(ERF_B, i)) * z;
  }
  return (y * (num + at(ERF_A, 3))) / (den + at(ERF_B, 3));
}

/** exp(y²)·erfc(y) for y > 0.46875 (Cody's second and third intervals). */
function erfcxLarge(y: number): number {
  if (y <= 4) {
    let num = at(ERF_C, 8) * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + at(ERF_C, i)) * y;
      den = (den + at(ERF_D, i)) * y;
    }
    return (num + at(ERF_C, 7)) / (den + at(ERF_D, 7));
  }
  // Beyond ~6.7e7 the correction term is below one ulp of 1/√π.
  if (y >= 6.71e7) return INV_SQRT_PI / y;
  const z = 1 / (y * y);
  let num = at(ERF_P, 5) * z;
  let den = z;
  for (let i = 0; i < 4; i++) {
    num = (num + at(ERF_P, i)) * z;
    den = (den + at(ERF_Q, i)) * z;
  }
  const r = (z * (num + at(ERF_P, 4))) / (den + at(ERF_Q, 4));
  return (INV_SQRT_PI - r) / y;
}

/**
 * exp(−y²) computed as exp(−t²)·exp(−(y−t)(y+t)) with t = y rounded down to 1/16, as in CALERF,
 * so that the rounding error of y² is not amplified by the exponential.
 */
function expNegSquare(y: number): number {
  const t = Math.trunc(y * 16) / 16;
  return Math.exp(-t * t) * Math.exp(-(y - t) * (y + t));
}

function checkNumber(name: string, x: number): void {
  check(typeof x === 'number' && !Number.isNaN(x), name, x, 'a number');
}

/** The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt. */
export function erf(x: number): number {
  checkNumber('x', x);
  const y = Math.abs(x);
  if (y <= 0.46875) return erfSmall(x); // odd in x
  if (y > 6) return x > 0 ? 1 : -1; // erfc(6) ≈ 2e-17 < ulp(1)/2
  const complement = expNegSquare(y) * erfcxLarge(y);
  return x > 0 ? 1 - complement : complement - 1;
}

/** The complementary error function erfc(x) = 1 − erf(x), accurate in relative terms for large x. */
export function erfc(x: number): number {
  checkNumber('x', x);
  const y = Math.abs(x);
  if (y <= 0.46875) return 1 - erfSmall(x);
  if (x === Infinity) return 0;
  if (x === -Infinity) return 2;
  const upper = expNegSquare(y) * erfcxLarge(y);
  return x > 0 ? upper : 2 - upper;
}

/**
 * The scaled complementary error function erfcx(x) = exp(x²)·erfc(x). Finite and accurate for all
 * x ≥ −26 (it overflows below that); decays like 1/(x√π) for large x.
 */
export function erfcx(x: number): number {
  checkNumber('x', x);
  const y = Math.abs(x);
  let value: number;
  if (y <= 0.46875) {
    value = Math.exp(y * y) * (1 - erfSmall(y));
  } else if (y === Infinity) {
    value = 0;
  } else {
    value = erfcxLarge(y);
  }
  if (x >= 0) return value;
  // erfcx(−y) = 2·exp(y²) − erfcx(y); exp(y²) split as in expNegSquare for accuracy.
  const t = Math.trunc(y * 16) / 16;
  const expSquare = Math.exp(t * t) * Math.exp((y - t) * (y + t));
  return 2 * expSquare - value;
}

/** The standard normal CDF Φ(x) = erfc(−x/√2)/2. Relative accuracy ~1e-13 in the lower tail down to x ≈ −38. */
export function normalCdf(x: number): number {
  checkNumber('x', x);
  return 0.5 * erfc(-x / SQRT2);
}

/** The standard normal survival function 1 − Φ(x) = Φ(−x), accurate in relative terms for large x. */
export function normalSf(x: number): number {
  checkNumber('x', x);
  return 0.5 * erfc(x / SQRT2);
}

/**
 * log Φ(x), finite for every finite x. For x ≤ 0 it uses log Φ(x) = log(erfcx(−x/√2)/2) − x²/2,
 * which never underflows (Φ(−40) is below the smallest double but log Φ(−40) ≈ −804.6);
 * for x > 0, log Φ(x) = log1p(−Φ(−x)).
 */
export function logNormalCdf(x: number): number {
  checkNumber('x', x);
  if (x === -Infinity) return -Infinity;
  if (x > 0) return Math.log1p(-normalSf(x));
  return Math.log(0.5 * erfcx(-x / SQRT2)) - 0.5 * x * x;
}

/** log(1 − Φ(x)) = log Φ(−x). */
export function logNormalSf(x: number): number {
  return logNormalCdf(-x);
}

/** The standard normal density φ(x). */
export function normalPdf(x: number): number {
  checkNumber('x', x);
  return Math.exp(-0.5 * x * x - 0.5 * LOG_2PI);
}

/** log(eᵃ + eᵇ) without overflow; −∞ is the identity. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const high = Math.max(a, b);
  const low = Math.min(a, b);
  if (high === Infinity) return Infinity;
  return high + Math.log1p(Math.exp(low - high));
}

/** log(eᵃ − eᵇ) for a ≥ b; −∞ when a = b. Throws when a < b (the difference would be negative). */
export function logSubExp(a: number, b: number): number {
  check(!Number.isNaN(a) && !Number.isNaN(b) && a >= b, 'a', a, `≥ b = ${b} in logSubExp`);
  if (b === -Infinity) return a;
  if (a === b) return -Infinity;
  const d = b - a;
  // log(1 − eᵈ): expm1 is accurate near d = 0, log1p(−eᵈ) for d far below 0 (Mächler 2012, "Accurately
  // computing log(1 − exp(−|a|))", Rmpfr vignette).
  return a + (d > -Math.LN2 ? Math.log(-Math.expm1(d)) : Math.log1p(-Math.exp(d)));
}

/** log Σ exp(values[i]), stable for any mix of magnitudes. */
export function logSumExp(values: ArrayLike<number>): number {
  let high = -Infinity;
  for (let i = 0; i < values.length; i++) high = Math.max(high, values[i] as number);
  if (high === -Infinity || high === Infinity) return high;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.exp((values[i] as number) - high);
  return high + Math.log(sum);
}

// Lanczos (1964) coefficients for g = 7, n = 9 (as tabulated by P. Godfrey).
const LANCZOS_G = 7;
const LANCZOS = [
  0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406,
  12.507343278686905, -0.13857109526572012, 0.000009984369578019572, 1.5056327351493116e-7,
];

/** log|Γ(x)| for real x that is not a non-positive integer. */
export function logGamma(x: number): number {
  checkNumber('x', x);
  check(!(x <= 0 && Number.isInteger(x)), 'x', x, 'not a non-positive integer (Γ has a pole there)');
  if (x < 0.5) {
    // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  }
  const z = x - 1;
  let sum = at(LANCZOS, 0);
  for (let i = 1; i < LANCZOS_G + 2; i++) sum += at(LANCZOS, i) / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

// Exact log n! for small n by summing logs once (error ≤ n ulps, far below Lanczos's for small n).
const LOG_FACTORIAL_TABLE_SIZE = 1024;
const logFactorialTable: Float64Array = (() => {
  const table = new Float64Array(LOG_FACTORIAL_TABLE_SIZE);
  for (let i = 2; i < LOG_FACTORIAL_TABLE_SIZE; i++) table[i] = (table[i - 1] as number) + Math.log(i);
  return table;
})();

/** log n! for a non-negative integer n. */
export function logFactorial(n: number): number {
  check(Number.isInteger(n) && n >= 0, 'n', n, 'a non-negative integer');
  if (n < LOG_FACTORIAL_TABLE_SIZE) return logFactorialTable[n] as number;
  return logGamma(n + 1);
}

/** log C(n, k) for integers 0 ≤ k ≤ n. */
export function logBinomial(n: number, k: number): number {
  check(Number.isInteger(n) && n >= 0, 'n', n, 'a non-negative integer');
  check(Number.isInteger(k) && k >= 0 && k <= n, 'k', k, `an integer in [0, n = ${n}]`);
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

/**
 * The generalised binomial coefficient C(alpha, k) = alpha(alpha−1)…(alpha−k+1)/k! for real alpha
 * and integer k ≥ 0, returned as { logAbs, sign } so that large values and signs both survive.
 */
export function logAbsBinomialReal(alpha: number, k: number): { logAbs: number; sign: -1 | 0 | 1 } {
  check(Number.isFinite(alpha), 'alpha', alpha, 'a finite number');
  check(Number.isInteger(k) && k >= 0, 'k', k, 'a non-negative integer');
  let logAbs = 0;
  let sign: -1 | 1 = 1;
  for (let j = 0; j < k; j++) {
    const factor = (alpha - j) / (j + 1);
    if (factor === 0) return { logAbs: -Infinity, sign: 0 };
    if (factor < 0) sign = sign === 1 ? -1 : 1;
    logAbs += Math.log(Math.abs(factor));
  }
  return { logAbs, sign };
}

export { LOG_2PI };
