import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mod, modInverse } from '../../../src/crypto/bigint/arithmetic.js';
import { isProbablePrime } from '../../../src/crypto/bigint/primes.js';
import { SeededRandom, type RandomSource } from '../../../src/crypto/random.js';
import {
  SHAMIR_PRIME,
  SHAMIR_SHARE_BYTES,
  decodeShamirShare,
  encodeShamirShare,
  shamirCombine,
  shamirCombineBytes,
  shamirCombineInField,
  shamirSplit,
  shamirSplitBytes,
  shamirSplitInField,
  type ShamirShare,
} from '../../../src/crypto/shamir.js';
import { expectCohortError } from './helpers.js';

const rng = new SeededRandom(61);

/** A RandomSource whose uniformBigInt returns the queued values in order (and records the bounds). */
class ScriptedRandom implements RandomSource {
  readonly secure = false;
  readonly bounds: bigint[] = [];
  constructor(private readonly queue: bigint[]) {}
  uniformBigInt(bound: bigint): bigint {
    this.bounds.push(bound);
    const next = this.queue.shift();
    if (next === undefined) throw new Error('ScriptedRandom ran out of values');
    return next;
  }
  fillBytes(): void {
    throw new Error('not used');
  }
  uint32(): number {
    throw new Error('not used');
  }
  uniform(): number {
    throw new Error('not used');
  }
  uniformInt(): number {
    throw new Error('not used');
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

describe('SHAMIR_PRIME', () => {
  it('is 2^256 + 297, prime, and the smallest prime above 2^256', () => {
    expect(SHAMIR_PRIME).toBe((1n << 256n) + 297n);
    expect(isProbablePrime(SHAMIR_PRIME, { rng })).toBe(true);
    for (let k = 1n; k < 297n; k++) expect(isProbablePrime((1n << 256n) + k, { rng, rounds: 8 })).toBe(false);
  });
});

/** n distinct abscissae, a threshold t ≤ n and a shuffled subset of ≥ t share indices. */
const splitCase = fc.integer({ min: 1, max: 10 }).chain((n) =>
  fc.integer({ min: 1, max: n }).chain((t) =>
    fc.record({
      xs: fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { minLength: n, maxLength: n }),
      t: fc.constant(t),
      subset: fc.shuffledSubarray(range(0, n - 1), { minLength: t }),
      seed: fc.integer({ min: 0, max: 2 ** 31 }),
    }),
  ),
);

describe('Shamir secret sharing (Shamir 1979)', () => {
  it('reconstructs from any threshold-sized (or larger) subset in any order (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: SHAMIR_PRIME - 1n }), splitCase, (secret, { xs, t, subset, seed }) => {
        const shares = shamirSplit(secret, t, xs, new SeededRandom(seed));
        expect(shares.map((s) => s.x)).toEqual(xs);
        for (const s of shares) expect(s.y >= 0n && s.y < SHAMIR_PRIME).toBe(true);
        expect(shamirCombine(subset.map((i) => shares[i]!), t)).toBe(secret);
      }),
      { numRuns: 150 },
    );
  });

  it('uses threshold − 1 coefficients drawn uniformly from [0, p) through the injected source', () => {
    const scripted = new ScriptedRandom([5n, 7n]);
    const shares = shamirSplit(11n, 3, [1, 2, 10], scripted);
    expect(scripted.bounds).toEqual([SHAMIR_PRIME, SHAMIR_PRIME]);
    // f(x) = 11 + 5x + 7x²
    expect(shares).toEqual([
      { x: 1, y: 23n },
      { x: 2, y: 49n },
      { x: 10, y: 761n },
    ]);
  });

  it('reduces mod p: shares wrap around the field and still reconstruct', () => {
    const top = SHAMIR_PRIME - 1n;
    const shares = shamirSplit(top, 2, [1, 2], new ScriptedRandom([top]));
    expect(shares[0]!.y).toBe(SHAMIR_PRIME - 2n); // 2·(p − 1) mod p
    expect(shamirCombine(shares, 2)).toBe(top);
  });

  it('t − 1 shares carry no information: over F_7 every secret induces the same (uniform) share distribution', () => {
    // Exhaustive over all polynomials of degree ≤ 2 (t = 3) with the same code at p = 7: for each
    // secret, the pair of shares at x = 2 and x = 5 takes each of the 49 values exactly once.
    const p = 7n;
    for (let secret = 0n; secret < p; secret++) {
      const counts = new Map<string, number>();
      for (let a1 = 0n; a1 < p; a1++) {
        for (let a2 = 0n; a2 < p; a2++) {
          const shares = shamirSplitInField(secret, 3, [2, 5, 6], p, new ScriptedRandom([a1, a2]));
          const key = `${shares[0]!.y},${shares[1]!.y}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
          expect(shamirCombineInField([shares[2]!, shares[0]!, shares[1]!], 3, p)).toBe(secret);
        }
      }
      expect(counts.size).toBe(49);
      expect([...counts.values()].every((c) => c === 1)).toBe(true);
    }
  });

  it('t − 1 shares over SHAMIR_PRIME are consistent with every secret', () => {
    // For fixed shares (x1, y1), (x2, y2) of a t = 3 split, and any candidate secret s', the
    // degree-2 polynomial through (0, s'), (x1, y1), (x2, y2) exists and yields further shares
    // that reconstruct s' — nobody holding two shares can rule s' out.
    const shares = shamirSplit(123456789n, 3, [4, 9, 20], rng).slice(0, 2);
    const p = SHAMIR_PRIME;
    const [{ x: x1, y: y1 }, { x: x2, y: y2 }] = shares as [ShamirShare, ShamirShare];
    const X1 = BigInt(x1);
    const X2 = BigInt(x2);
    for (const candidate of [0n, 1n, 123456789n, p - 1n, rng.uniformBigInt(p)]) {
      // g(x) = s' + b1·x + b2·x² with g(x1) = y1, g(x2) = y2: with q_i = (y_i − s')/x_i,
      // b2 = (q2 − q1)/(x2 − x1) and b1 = q1 − b2·x1 (mod p)
      const q1 = mod((y1 - candidate) * modInverse(X1, p), p);
      const q2 = mod((y2 - candidate) * modInverse(X2, p), p);
      const b2 = mod((q2 - q1) * modInverse(X2 - X1, p), p);
      const b1 = mod(q1 - b2 * X1, p);
      expect(mod(candidate + b1 * X1 + b2 * X1 * X1, p)).toBe(y1);
      expect(mod(candidate + b1 * X2 + b2 * X2 * X2, p)).toBe(y2);
      const third = { x: 30, y: mod(candidate + b1 * 30n + b2 * 900n, p) };
      expect(shamirCombine([shares[0]!, shares[1]!, third], 3)).toBe(candidate);
    }
  });

  it('splits and combines byte secrets up to 32 bytes, keeping leading zeros', () => {
    for (const length of [1, 16, 31, 32]) {
      const secret = new Uint8Array(length);
      rng.fillBytes(secret);
      secret[0] = 0;
      const shares = shamirSplitBytes(secret, 3, [1, 2, 3, 4, 5], rng);
      expect(shamirCombineBytes([shares[4]!, shares[0]!, shares[2]!], 3, length)).toEqual(secret);
    }
    const max = new Uint8Array(32).fill(0xff);
    expect(shamirCombineBytes(shamirSplitBytes(max, 2, [7, 8], rng), 2, 32)).toEqual(max);
  });

  it('combineBytes refuses a result wider than the stated length (INVALID_DATA)', () => {
    const shares = shamirSplitBytes(new Uint8Array([1, 2, 3]), 2, [1, 2], rng);
    expect(shamirCombineBytes(shares, 2, 3)).toEqual(new Uint8Array([1, 2, 3]));
    expect(() => shamirCombineBytes(shares, 2, 2)).toThrow(/wider than length = 2 bytes/);
    const corrupted = [shares[0]!, { x: shares[1]!.x, y: (shares[1]!.y + (1n << 100n)) % SHAMIR_PRIME }];
    expect(() => shamirCombineBytes(corrupted, 2, 3)).toThrow(expect.objectContaining({ code: 'INVALID_DATA' }));
  });

  it('encodes shares in 35 fixed bytes (2-byte x, 33-byte y) and decodes them back', () => {
    const shares = [
      { x: 1, y: 0n },
      { x: 65535, y: SHAMIR_PRIME - 1n },
      { x: 258, y: 0x0102n },
    ];
    for (const share of shares) {
      const bytes = encodeShamirShare(share);
      expect(bytes).toHaveLength(SHAMIR_SHARE_BYTES);
      expect(decodeShamirShare(bytes)).toEqual(share);
    }
    expect(Array.from(encodeShamirShare({ x: 258, y: 0x0102n }))).toEqual([1, 2, ...new Array<number>(31).fill(0), 1, 2]);
  });

  it('decodeShamirShare rejects a wrong length, x = 0 and y ≥ p with INVALID_DATA', async () => {
    await expectCohortError(() => decodeShamirShare(new Uint8Array(34)), 'INVALID_DATA', /must be 35 bytes \(got 34 bytes\)/);
    const zeroX = encodeShamirShare({ x: 1, y: 5n });
    zeroX[1] = 0;
    await expectCohortError(() => decodeShamirShare(zeroX), 'INVALID_DATA', /x = 0/);
    const big = new Uint8Array(35);
    big[1] = 1;
    big.fill(0xff, 2);
    await expectCohortError(() => decodeShamirShare(big), 'INVALID_DATA', /≥ SHAMIR_PRIME/);
  });

  it('rejects bad splits with INVALID_ARGUMENT naming the argument and value', async () => {
    await expectCohortError(() => shamirSplit(1n, 2, [1, 2, 1], rng), 'INVALID_ARGUMENT', /xs must be distinct \(got \[1, 2, 1\], where x = 1 appears twice\)/);
    await expectCohortError(() => shamirSplit(1n, 2, [0, 2], rng), 'INVALID_ARGUMENT', /xs must be share abscissae that are integers in \[1, 65535\] \(got 0\)/);
    await expectCohortError(() => shamirSplit(1n, 2, [1, 65536], rng), 'INVALID_ARGUMENT', /got 65536/);
    await expectCohortError(() => shamirSplit(1n, 2, [1, 2.5], rng), 'INVALID_ARGUMENT', /got 2.5/);
    await expectCohortError(() => shamirSplit(1n, 4, [1, 2, 3], rng), 'INVALID_ARGUMENT', /threshold must be an integer in \[1, 3\].*got 4/);
    await expectCohortError(() => shamirSplit(1n, 0, [1, 2, 3], rng), 'INVALID_ARGUMENT', /threshold.*got 0/);
    await expectCohortError(() => shamirSplit(SHAMIR_PRIME, 2, [1, 2], rng), 'INVALID_ARGUMENT', /secret must be a bigint in \[0, /);
    await expectCohortError(() => shamirSplit(-1n, 2, [1, 2], rng), 'INVALID_ARGUMENT', /got -1n/);
    await expectCohortError(() => shamirSplitBytes(new Uint8Array(33), 2, [1, 2], rng), 'INVALID_ARGUMENT', /secret must be at most 32 bytes \(got 33 bytes\)/);
    await expectCohortError(() => shamirSplitInField(1n, 2, [1, 7], 7n, rng), 'INVALID_ARGUMENT', /\[1, 6\] \(got 7\)/);
  });

  it('refuses too few shares and duplicate x on combine', async () => {
    const shares = shamirSplit(42n, 3, [1, 2, 3, 4], rng);
    await expectCohortError(() => shamirCombine(shares.slice(0, 2), 3), 'INVALID_ARGUMENT', /shares must number at least threshold = 3 \(got 2 shares\)/);
    await expectCohortError(() => shamirCombine([shares[0]!, shares[1]!, shares[0]!], 3), 'INVALID_ARGUMENT', /shares must have distinct x \(got two shares with x = 1\)/);
    await expectCohortError(() => shamirCombine([shares[0]!, shares[1]!, { x: 9, y: SHAMIR_PRIME }], 3), 'INVALID_ARGUMENT', /y a bigint in \[0, /);
    // a duplicate among the extra shares is refused too, not silently ignored
    await expectCohortError(() => shamirCombine([...shares, shares[3]!], 3), 'INVALID_ARGUMENT', /x = 4/);
    // t − 1 shares combined as if t were smaller give a wrong value, not the secret
    expect(shamirCombine(shares.slice(0, 2), 2)).not.toBe(42n);
  });
});
