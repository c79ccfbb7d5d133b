/**
 * Randomness for Cohort. Two kinds of source share one interface:
 * - `SecureRandom`: the platform CSPRNG (`crypto.getRandomValues`, the same API in Node and
 *   browsers). The only source allowed for DP noise, keys and masks.
 * - `SeededRandom`: a fast reproducible generator (xoshiro128**) for what must repeat from a
 *   seed — data splits, shuffles, weight initialisation — and for tests of samplers.
 * Privacy and crypto code calls `requireSecure(rng)`, which refuses a seeded source outside a
 * test run, so a seed can never reach production noise or keys by accident.
 */
import { CohortError, check } from '../errors.js';

export interface RandomSource {
  /** True only for a cryptographically secure generator. */
  readonly secure: boolean;
  /** Fills `out` with uniformly random bytes. */
  fillBytes(out: Uint8Array): void;
  /** A uniform integer in [0, 2^32). */
  uint32(): number;
  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number;
  /** A uniform integer in [0, bound), bound ≤ 2^32, without modulo bias. */
  uniformInt(bound: number): number;
  /** A uniform bigint in [0, bound), without modulo bias. */
  uniformBigInt(bound: bigint): bigint;
}

const TWO_POW_32 = 4294967296;

abstract class BaseRandom implements RandomSource {
  abstract readonly secure: boolean;
  abstract fillBytes(out: Uint8Array): void;
  abstract uint32(): number;

  uniform(): number {
    const high = this.uint32() >>> 5; // 27 bits
    const low = this.uint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  uniformInt(bound: number): number {
    check(Number.isInteger(bound) && bound >= 1 && bound <= TWO_POW_32, 'bound', bound, 'an integer in [1, 2^32]');
    if (bound === 1) return 0;
    // Rejection sampling: accept only draws below the largest multiple of `bound`.
    const limit = TWO_POW_32 - (TWO_POW_32 % bound);
    for (;;) {
      const x = this.uint32();
      if (x < limit) return x % bound;
    }
  }

  uniformBigInt(bound: bigint): bigint {
    check(bound >= 1n, 'bound', bound, 'at least 1');
    if (bound === 1n) return 0n;
    const bits = (bound - 1n).toString(2).length;
    const bytes = new Uint8Array(Math.ceil(bits / 8));
    const excess = BigInt(bytes.length * 8 - bits);
    for (;;) {
      this.fillBytes(bytes);
      let x = 0n;
      for (const b of bytes) x = (x << 8n) | BigInt(b);
      x >>= excess; // keep exactly `bits` bits so at most half the draws are rejected
      if (x < bound) return x;
    }
  }
}

/** The platform CSPRNG, buffered so that small draws do not each cross into the OS. */
export class SecureRandom extends BaseRandom {
  readonly secure = true;
  private static readonly BUFFER_BYTES = 65536; // getRandomValues' per-call maximum
  private readonly buffer = new Uint8Array(SecureRandom.BUFFER_BYTES);
  private readonly words = new Uint32Array(this.buffer.buffer);
  private offset = SecureRandom.BUFFER_BYTES;

  fillBytes(out: Uint8Array): void {
    for (let start = 0; start < out.length; start += SecureRandom.BUFFER_BYTES) {
      globalThis.crypto.getRandomValues(out.subarray(start, Math.min(out.length, start + SecureRandom.BUFFER_BYTES)));
    }
  }

  uint32(): number {
    if (this.offset + 4 > SecureRandom.BUFFER_BYTES) {
      globalThis.crypto.getRandomValues(this.buffer);
      this.offset = 0;
    }
    const value = this.words[this.offset >>> 2] as number;
    this.buffer.fill(0, this.offset, this.offset + 4); // used randomness is not left behind
    this.offset += 4;
    return value;
  }
}

/**
 * xoshiro128** (Blackman & Vigna 2018), seeded through splitmix32. Reproducible and fast; not
 * cryptographically secure, so it is refused by `requireSecure` outside tests.
 */
export class SeededRandom extends BaseRandom {
  readonly secure = false;
  readonly seed: number;
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    super();
    check(Number.isInteger(seed) && seed >= 0 && seed < TWO_POW_32, 'seed', seed, 'an integer in [0, 2^32)');
    this.seed = seed;
    let state = seed >>> 0;
    const splitmix32 = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = splitmix32();
    this.s1 = splitmix32();
    this.s2 = splitmix32();
    this.s3 = splitmix32();
  }

  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  fillBytes(out: Uint8Array): void {
    for (let i = 0; i < out.length; i += 4) {
      let word = this.uint32();
      for (let j = i; j < Math.min(out.length, i + 4); j++) {
        out[j] = word & 0xff;
        word >>>= 8;
      }
    }
  }

  /** An independent generator derived from this one (for per-client or per-worker streams). */
  fork(): SeededRandom {
    return new SeededRandom(this.uint32());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

let sharedSecure: SecureRandom | undefined;

/** The process-wide CSPRNG instance. */
export function secureRandom(): SecureRandom {
  sharedSecure ??= new SecureRandom();
  return sharedSecure;
}

function isTestRun(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.['VITEST'] !== undefined || env?.['NODE_ENV'] === 'test';
}

/**
 * Returns `rng` if it may be used for privacy noise, keys or masks: a CSPRNG always, a seeded
 * generator only inside a test run (vitest or NODE_ENV=test). Defaults to the shared CSPRNG.
 */
export function requireSecure(rng: RandomSource | undefined, purpose: string): RandomSource {
  if (rng === undefined) return secureRandom();
  if (!rng.secure && !isTestRun()) {
    throw new CohortError(
      'INSECURE_RANDOMNESS',
      `${purpose} needs a cryptographically secure random source; a seeded generator is only allowed in tests`,
      { subject: 'rng' },
    );
  }
  return rng;
}
