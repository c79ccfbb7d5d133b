/**
 * Polynomials over a prime field F_p, as Shamir secret sharing needs them (Shamir 1979):
 * evaluation by Horner's rule and Lagrange interpolation at x = 0,
 * f(0) = Σ_i y_i · Π_{j≠i} x_j / (x_j − x_i)  (mod p).
 * Generic in p so the same code runs over SHAMIR_PRIME and over tiny fields in exhaustive tests.
 */
import { modInverse } from './bigint/arithmetic.js';

/** f(x) = c_0 + c_1·x + … + c_{k−1}·x^{k−1} mod p, by Horner's rule. Coefficients must be in [0, p). */
export function polynomialAt(coefficients: readonly bigint[], x: bigint, p: bigint): bigint {
  let acc = 0n;
  for (let i = coefficients.length - 1; i >= 0; i--) acc = (acc * x + (coefficients[i] as bigint)) % p;
  return acc;
}

/**
 * The value at 0 of the unique polynomial of degree < points.length through `points` over F_p.
 * The x must be distinct and non-zero mod p, the y in [0, p) (callers validate).
 */
export function lagrangeAtZero(points: readonly { readonly x: bigint; readonly y: bigint }[], p: bigint): bigint {
  let sum = 0n;
  for (let i = 0; i < points.length; i++) {
    const xi = (points[i] as { x: bigint }).x;
    let numerator = 1n;
    let denominator = 1n;
    for (let j = 0; j < points.length; j++) {
      if (j === i) continue;
      const xj = (points[j] as { x: bigint }).x;
      numerator = (numerator * xj) % p;
      denominator = (denominator * (((xj - xi) % p) + p)) % p;
    }
    const basis = (numerator * modInverse(denominator, p)) % p;
    sum = (sum + (points[i] as { y: bigint }).y * basis) % p;
  }
  return sum;
}
