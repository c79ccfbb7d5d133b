/**
 * Exact Bernoulli trials with rational or exp(−rational) success probabilities, the building blocks
 * of Canonne, Kamath & Steinke, "The Discrete Gaussian for Differential Privacy", NeurIPS 2020
 * (arXiv:2004.00010), Algorithm 1. Every decision is an integer comparison between uniform random
 * integers and integers derived from the parameters: no floating point is involved.
 *
 * Two arithmetic paths: doubles holding integers while every operand stays ≤ 2^53 − 1 (fast), and
 * bigints otherwise. The Number path checks its operands and hands over to the bigint path when a
 * product would leave the exact range.
 */
import { MAX_SAFE, type RandomWords } from './random-words.js';

// ---- Bernoulli(exp(−1)) by lazy comparison with the binary expansion of 1/e -----------------
// U < 1/e with U uniform in [0, 1) is decided by the first 32-bit word of U that differs from the
// corresponding word of 1/e (1/e is irrational, so some word differs). One word decides with
// probability 1 − 2^−32, so this costs about one word instead of the ≈ e words of Algorithm 1.

let expMinusOneWords: Uint32Array = computeExpMinusOneWords(8);

/** The first `count` 32-bit words of the binary expansion of e^−1, from the alternating series (exported for tests). */
export function computeExpMinusOneWords(count: number): Uint32Array {
  const bits = BigInt(32 * count);
  for (let guard = 64n; ; guard *= 2n) {
    const scale = 1n << (bits + guard);
    // e^−1 = Σ (−1)^k / k!; each term is rounded down, so the sum is within `terms` units of the
    // truth, and the alternating tail is below the first omitted term (Leibniz).
    let sum = 0n;
    let term = scale; // scale / k!
    let k = 0n;
    while (term > 0n) {
      sum += k % 2n === 0n ? term : -term;
      k += 1n;
      term /= k;
    }
    const error = k + 2n; // rounding of each term plus the truncated tail
    const low = (sum - error) >> guard;
    const high = (sum + error) >> guard;
    if (low === high) {
      const words = new Uint32Array(count);
      for (let i = 0; i < count; i++) {
        words[i] = Number((low >> (bits - 32n * BigInt(i + 1))) & 0xffffffffn);
      }
      return words;
    }
  }
}

function expMinusOneWord(i: number): number {
  if (i >= expMinusOneWords.length) expMinusOneWords = computeExpMinusOneWords(Math.max(2 * expMinusOneWords.length, i + 1));
  return expMinusOneWords[i] as number;
}

/** Bernoulli(exp(−1)), exactly. */
export function bernoulliExpMinusOne(w: RandomWords): boolean {
  for (let i = 0; ; i++) {
    const u = w.uint32();
    const p = expMinusOneWord(i);
    if (u !== p) return u < p;
  }
}

// ---- Bernoulli(num/den) ---------------------------------------------------------------------

/** Bernoulli(num/den) for integers 0 ≤ num ≤ den ≤ 2^53. */
export function bernoulliRatio(w: RandomWords, num: number, den: number): boolean {
  return w.below(den) < num;
}

export function bernoulliRatioBig(w: RandomWords, num: bigint, den: bigint): boolean {
  return w.belowBig(den) < num;
}

// ---- Bernoulli(exp(−γ)), CKS Algorithm 1 ------------------------------------------------------

/**
 * Bernoulli(exp(−num/den)) for 0 ≤ num ≤ den (γ ∈ [0, 1]): K ← 1; while Bernoulli(γ/K) succeeds,
 * K ← K + 1; succeed iff K is odd. (CKS 2020, Algorithm 1, first case: P[K odd] = e^−γ.)
 */
export function bernoulliExpUnit(w: RandomWords, num: number, den: number): boolean {
  let k = 1;
  for (;;) {
    const bound = den * k;
    if (bound > MAX_SAFE) return bernoulliExpUnitBigFrom(w, BigInt(num), BigInt(den), k);
    if (w.below(bound) >= num) break; // A = 0
    k++;
  }
  return (k & 1) === 1;
}

function bernoulliExpUnitBigFrom(w: RandomWords, num: bigint, den: bigint, startK: number): boolean {
  let k = BigInt(startK);
  while (w.belowBig(den * k) < num) k += 1n;
  return (k & 1n) === 1n;
}

export function bernoulliExpUnitBig(w: RandomWords, num: bigint, den: bigint): boolean {
  if (num <= BigInt(MAX_SAFE) && den <= BigInt(MAX_SAFE)) return bernoulliExpUnit(w, Number(num), Number(den));
  return bernoulliExpUnitBigFrom(w, num, den, 1);
}

/**
 * Bernoulli(exp(−num/den)) for integers num ≥ 0, den ≥ 1, both ≤ 2^53 − 1: floor(γ) independent
 * Bernoulli(exp(−1)) trials, all of which must succeed, then Bernoulli(exp(−(γ − floor γ)))
 * (CKS 2020, Algorithm 1, second case). Stops at the first failure, so a large γ is cheap.
 */
export function bernoulliExp(w: RandomWords, num: number, den: number): boolean {
  const remainder = num % den; // exact for integers (IEEE remainder is exact)
  let whole = (num - remainder) / den;
  for (; whole > 0; whole--) {
    if (!bernoulliExpMinusOne(w)) return false;
  }
  return bernoulliExpUnit(w, remainder, den);
}

/** Bernoulli(exp(−num/den)) for bigint num ≥ 0, den ≥ 1. */
export function bernoulliExpBig(w: RandomWords, num: bigint, den: bigint): boolean {
  let whole = num / den;
  const remainder = num - whole * den;
  for (; whole > 0n; whole -= 1n) {
    if (!bernoulliExpMinusOne(w)) return false;
  }
  return bernoulliExpUnitBig(w, remainder, den);
}
