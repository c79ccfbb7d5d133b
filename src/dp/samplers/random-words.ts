/**
 * Buffered random words for the exact samplers. Drawing one 32-bit word at a time through the
 * RandomSource interface costs a call (and, for the CSPRNG, a zeroing) per word; the samplers use
 * ~10-20 words per sample, so they read blocks with `fillBytes` instead. The block grows from 64
 * bytes to 16 KiB as a sampler keeps drawing, so a single sample does not pull 16 KiB.
 * Consumed words are zeroed on refill and `dispose()` zeroes what is left, so noise randomness
 * does not linger in memory after use.
 */
import type { RandomSource } from '../../crypto/random.js';

const TWO_POW_32 = 4294967296;
const TWO_POW_21 = 2097152;
export const MAX_SAFE = Number.MAX_SAFE_INTEGER; // 2^53 − 1
const MIN_WORDS = 16;
const MAX_WORDS = 4096;

export class RandomWords {
  private words: Uint32Array;
  private bytes: Uint8Array;
  private index: number;
  private bitWord = 0;
  private bitsLeft = 0;

  constructor(private readonly rng: RandomSource) {
    this.words = new Uint32Array(MIN_WORDS);
    this.bytes = new Uint8Array(this.words.buffer);
    this.index = MIN_WORDS;
  }

  /** A uniform integer in [0, 2^32). */
  uint32(): number {
    if (this.index >= this.words.length) this.refill();
    return this.words[this.index++] as number;
  }

  /** A uniform bit (0 or 1); one word serves 32 bits. */
  bit(): number {
    if (this.bitsLeft === 0) {
      this.bitWord = this.uint32();
      this.bitsLeft = 32;
    }
    const b = this.bitWord & 1;
    this.bitWord >>>= 1;
    this.bitsLeft--;
    return b;
  }

  /** A uniform integer in [0, bound) for an integer 1 ≤ bound ≤ 2^53, by rejection (no modulo bias). */
  below(bound: number): number {
    if (bound <= TWO_POW_32) {
      if (bound === 1) return 0;
      const limit = TWO_POW_32 - (TWO_POW_32 % bound);
      for (;;) {
        const x = this.uint32();
        if (x < limit) return x % bound;
      }
    }
    // bound in (2^32, 2^53]: draw exactly ceil(log2 bound) bits and reject the excess.
    const highBound = Math.ceil(bound / TWO_POW_32); // ≤ 2^21
    let highBits = 1;
    while (highBits < highBound) highBits *= 2;
    const highMask = Math.min(highBits, TWO_POW_21) - 1;
    for (;;) {
      const x = (this.uint32() & highMask) * TWO_POW_32 + this.uint32();
      if (x < bound) return x;
    }
  }

  /** A uniform bigint in [0, bound) for bound ≥ 1. */
  belowBig(bound: bigint): bigint {
    if (bound <= BigInt(TWO_POW_32)) return BigInt(this.below(Number(bound)));
    const bits = (bound - 1n).toString(2).length;
    const wordCount = Math.ceil(bits / 32);
    const topBits = bits - 32 * (wordCount - 1);
    const topMask = topBits === 32 ? 0xffffffff : (1 << topBits) - 1;
    for (;;) {
      let x = BigInt((this.uint32() & topMask) >>> 0);
      for (let i = 1; i < wordCount; i++) x = (x << 32n) | BigInt(this.uint32());
      if (x < bound) return x;
    }
  }

  /** Zeroes the buffered randomness that was not used. */
  dispose(): void {
    this.words.fill(0);
    this.index = this.words.length;
    this.bitWord = 0;
    this.bitsLeft = 0;
  }

  private refill(): void {
    if (this.words.length < MAX_WORDS) {
      // Growing: the old (fully consumed) block is zeroed and dropped.
      this.words.fill(0);
      this.words = new Uint32Array(this.words.length * 4);
      this.bytes = new Uint8Array(this.words.buffer);
    }
    this.rng.fillBytes(this.bytes);
    this.index = 0;
  }
}
