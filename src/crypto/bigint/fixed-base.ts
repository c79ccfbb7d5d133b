/**
 * Fixed-base exponentiation with a precomputed table (the fixed-base windowing method, HAC
 * Alg. 14.109 / Brickell–Gordon–McCurley–Wilson 1992): for window width w the table holds
 * base^(j·2^(w·i)) for every digit j < 2^w and position i, so base^e is the product of one
 * entry per w-bit digit of e: ⌈bits/w⌉ − 1 modular products and no squarings.
 */
import { check } from '../../errors.js';

export class FixedBaseTable {
  readonly base: bigint;
  readonly modulus: bigint;
  readonly maxExponentBits: number;
  readonly windowBits: number;
  /** rows[i][j − 1] = base^(j·2^(w·i)) mod modulus, j = 1 … 2^w − 1. */
  private readonly rows: bigint[][];

  constructor(base: bigint, modulus: bigint, maxExponentBits: number, windowBits = 8) {
    check(modulus > 1n, 'modulus', modulus, 'greater than 1');
    check(Number.isInteger(maxExponentBits) && maxExponentBits >= 1, 'maxExponentBits', maxExponentBits, 'a positive integer');
    check(Number.isInteger(windowBits) && windowBits >= 1 && windowBits <= 12, 'windowBits', windowBits, 'an integer in [1, 12]');
    this.base = ((base % modulus) + modulus) % modulus;
    this.modulus = modulus;
    this.maxExponentBits = maxExponentBits;
    this.windowBits = windowBits;
    const positions = Math.ceil(maxExponentBits / windowBits);
    const digits = (1 << windowBits) - 1;
    this.rows = [];
    let rowBase = this.base; // base^(2^(w·i))
    for (let i = 0; i < positions; i++) {
      const row = new Array<bigint>(digits);
      row[0] = rowBase;
      for (let j = 1; j < digits; j++) row[j] = ((row[j - 1] as bigint) * rowBase) % modulus;
      this.rows.push(row);
      rowBase = ((row[digits - 1] as bigint) * rowBase) % modulus; // base^(2^w · 2^(w·i))
    }
  }

  /** base^exponent mod modulus for 0 ≤ exponent < 2^maxExponentBits. */
  pow(exponent: bigint): bigint {
    check(exponent >= 0n && exponent >> BigInt(this.maxExponentBits) === 0n, 'exponent', exponent, `in [0, 2^${this.maxExponentBits})`);
    const mask = BigInt((1 << this.windowBits) - 1);
    const shift = BigInt(this.windowBits);
    let result = 1n;
    let started = false;
    for (let i = 0; exponent > 0n; i++, exponent >>= shift) {
      const digit = Number(exponent & mask);
      if (digit === 0) continue;
      const entry = (this.rows[i] as bigint[])[digit - 1] as bigint;
      result = started ? (result * entry) % this.modulus : entry;
      started = true;
    }
    return result;
  }

  /** Number of stored powers (memory ≈ entries × modulus bytes). */
  get entries(): number {
    return this.rows.length * ((1 << this.windowBits) - 1);
  }
}
