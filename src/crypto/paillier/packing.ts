/**
 * Packed vectors (BatchCrypt: Zhang et al., "BatchCrypt: Efficient Homomorphic Encryption for
 * Cross-Silo Federated Learning", USENIX ATC 2020, §4): many fixed-point values share one
 * plaintext, so one ciphertext carries k values and one ciphertext product adds k pairs.
 *
 * Quantisation: v ↦ clip(v, ±clippingRange) ↦ q = round(v·2^f), |q| ≤ Q = round(clippingRange·2^f);
 * offset encoding u = q + Q ∈ [0, 2Q] keeps every slot non-negative (no borrows between slots).
 * Slot layout: plaintext = Σ_j u_j · 2^(j·w), slot 0 in the least significant bits, w = slotBits,
 * k = ⌊(|n| − 1)/w⌋ slots, so every plaintext stays below 2^(|n|−1) < n.
 * Overflow bound: adding contributions of total weight W (a fresh vector weighs 1, a sum adds
 * weights, multiplying by a small integer c multiplies the weight by c) gives slot sums
 * ≤ 2Q·W. They stay inside their slots iff 2Q·W ≤ 2^w − 1, so the layout admits at most
 * maxSummands = ⌊(2^w − 1)/(2Q)⌋; exceeding it is refused before any ciphertext is touched.
 * Decoding subtracts W·Q per slot and divides by 2^f.
 */
import { CohortError, check } from '../../errors.js';
import { bitLength } from '../bigint/arithmetic.js';
import { bigintToBytes, bytesToBigint } from '../bigint/bytes.js';
import { modPow } from '../bigint/modpow.js';
import type { ObfuscatorSource } from './obfuscators.js';
import type { PaillierPublicKey } from './public-key.js';

export interface PackingOptions {
  /** f: values are scaled by 2^f before rounding. */
  readonly fractionalBits: number;
  /** Values are clipped to [−clippingRange, clippingRange] before quantisation. */
  readonly clippingRange: number;
  /** N, the largest total weight a sum may reach; sets the slot width when slotBits is absent. */
  readonly maxSummands?: number;
  /** w, bits per slot; sets N = ⌊(2^w − 1)/(2Q)⌋ when maxSummands is absent. */
  readonly slotBits?: number;
}

/** Anything that turns a ciphertext into its plaintext in [0, n) (a private key, a threshold combiner). */
export interface RawDecryptor {
  rawDecrypt(ciphertext: bigint): bigint;
}

/** Slot values must stay exact doubles. */
const MAX_SLOT_BITS = 53;

export class PackingScheme {
  readonly publicKey: PaillierPublicKey;
  readonly fractionalBits: number;
  readonly clippingRange: number;
  /** Q = round(clippingRange · 2^f), the largest quantised magnitude. */
  readonly quantizedMax: number;
  readonly slotBits: number;
  readonly slotsPerCiphertext: number;
  readonly maxSummands: number;
  private readonly scale: number;

  constructor(publicKey: PaillierPublicKey, options: PackingOptions) {
    const { fractionalBits, clippingRange } = options;
    check(Number.isInteger(fractionalBits) && fractionalBits >= 0 && fractionalBits <= 52, 'fractionalBits', fractionalBits, 'an integer in [0, 52]');
    check(Number.isFinite(clippingRange) && clippingRange > 0, 'clippingRange', clippingRange, 'a positive finite number');
    const scale = 2 ** fractionalBits;
    const quantizedMax = Math.round(clippingRange * scale);
    check(quantizedMax >= 1 && quantizedMax <= 2 ** 51, 'clippingRange', clippingRange, `such that clippingRange·2^fractionalBits rounds into [1, 2^51] (got ${quantizedMax})`);
    const span = 2 * quantizedMax; // u ∈ [0, 2Q]
    let slotBits: number;
    let maxSummands: number;
    if (options.slotBits !== undefined) {
      slotBits = options.slotBits;
      check(Number.isInteger(slotBits) && slotBits >= 1 && slotBits <= MAX_SLOT_BITS, 'slotBits', slotBits, `an integer in [1, ${MAX_SLOT_BITS}]`);
      const bound = Math.floor((2 ** slotBits - 1) / span);
      if (bound < 1) {
        throw new CohortError('INVALID_ARGUMENT', `slotBits ${slotBits} cannot hold one value: 2Q = ${span} needs ${bitLength(BigInt(span))} bits`, { subject: 'slotBits' });
      }
      maxSummands = options.maxSummands ?? bound;
      check(Number.isSafeInteger(maxSummands) && maxSummands >= 1, 'maxSummands', maxSummands, 'a positive integer');
      if (maxSummands > bound) {
        throw new CohortError(
          'INVALID_ARGUMENT',
          `maxSummands ${maxSummands} exceeds the overflow bound ⌊(2^${slotBits} − 1)/(2Q)⌋ = ${bound} of ${slotBits}-bit slots with Q = ${quantizedMax}`,
          { subject: 'maxSummands' },
        );
      }
    } else {
      check(options.maxSummands !== undefined, 'maxSummands', options.maxSummands, 'given when slotBits is not');
      maxSummands = options.maxSummands;
      check(Number.isSafeInteger(maxSummands) && maxSummands >= 1, 'maxSummands', maxSummands, 'a positive integer');
      slotBits = bitLength(BigInt(span) * BigInt(maxSummands));
      if (slotBits > MAX_SLOT_BITS) {
        throw new CohortError('INVALID_ARGUMENT', `maxSummands ${maxSummands} with Q = ${quantizedMax} needs ${slotBits}-bit slots; at most ${MAX_SLOT_BITS} are supported`, { subject: 'maxSummands' });
      }
    }
    const slotsPerCiphertext = Math.floor((publicKey.bits - 1) / slotBits);
    if (slotsPerCiphertext < 1) {
      throw new CohortError('INVALID_ARGUMENT', `a ${publicKey.bits}-bit key cannot hold one ${slotBits}-bit slot`, { subject: 'slotBits' });
    }
    this.publicKey = publicKey;
    this.fractionalBits = fractionalBits;
    this.clippingRange = clippingRange;
    this.quantizedMax = quantizedMax;
    this.slotBits = slotBits;
    this.slotsPerCiphertext = slotsPerCiphertext;
    this.maxSummands = maxSummands;
    this.scale = scale;
  }

  /** The options that rebuild this scheme (e.g. in a worker thread). */
  get options(): Required<PackingOptions> {
    return { fractionalBits: this.fractionalBits, clippingRange: this.clippingRange, maxSummands: this.maxSummands, slotBits: this.slotBits };
  }

  ciphertextsFor(length: number): number {
    return Math.ceil(length / this.slotsPerCiphertext);
  }

  sameLayout(other: PackingScheme): boolean {
    return (
      this.publicKey.n === other.publicKey.n &&
      this.fractionalBits === other.fractionalBits &&
      this.quantizedMax === other.quantizedMax &&
      this.slotBits === other.slotBits &&
      this.maxSummands === other.maxSummands
    );
  }

  /** Offset-encoded slot value u = round(clip(v)·2^f) + Q ∈ [0, 2Q]. */
  quantize(value: number): number {
    if (!Number.isFinite(value)) {
      throw new CohortError('INVALID_ARGUMENT', `values must be finite numbers (got ${value})`, { subject: 'values' });
    }
    const q = Math.round(value * this.scale);
    const clipped = q > this.quantizedMax ? this.quantizedMax : q < -this.quantizedMax ? -this.quantizedMax : q;
    return clipped + this.quantizedMax;
  }

  /** The plaintexts of `values` (range [offset, offset + count) of them), slot 0 lowest. */
  pack(values: ArrayLike<number>, offset = 0, count = values.length - offset): bigint[] {
    check(Number.isInteger(offset) && offset >= 0 && offset <= values.length, 'offset', offset, `an integer in [0, ${values.length}]`);
    check(Number.isInteger(count) && count >= 0 && offset + count <= values.length, 'count', count, `an integer in [0, ${values.length - offset}]`);
    const k = this.slotsPerCiphertext;
    const shift = BigInt(this.slotBits);
    const plaintexts: bigint[] = [];
    for (let start = offset; start < offset + count; start += k) {
      const end = Math.min(start + k, offset + count);
      let packed = 0n;
      for (let i = end - 1; i >= start; i--) packed = (packed << shift) | BigInt(this.quantize(values[i] as number));
      plaintexts.push(packed);
    }
    return plaintexts;
  }

  /**
   * Sums of the dequantised values from plaintexts holding contributions of total weight
   * `weight`: (slot − weight·Q) / 2^f. A slot above 2Q·weight means corrupted data.
   */
  unpack(plaintexts: readonly bigint[], length: number, weight: number): Float64Array {
    check(Number.isInteger(length) && length >= 0 && this.ciphertextsFor(length) === plaintexts.length, 'length', length, `consistent with ${plaintexts.length} plaintexts of ${this.slotsPerCiphertext} slots`);
    check(Number.isSafeInteger(weight) && weight >= 0 && weight <= this.maxSummands, 'weight', weight, `an integer in [0, ${this.maxSummands}]`);
    const out = new Float64Array(length);
    const shift = BigInt(this.slotBits);
    const mask = (1n << shift) - 1n;
    const offset = weight * this.quantizedMax;
    const limit = 2 * offset;
    let index = 0;
    for (let c = 0; c < plaintexts.length; c++) {
      let rest = plaintexts[c] as bigint;
      const end = Math.min(index + this.slotsPerCiphertext, length);
      for (; index < end; index++) {
        const slot = Number(rest & mask);
        rest >>= shift;
        if (slot > limit) {
          throw new CohortError('INVALID_DATA', `packed slot ${index} holds ${slot}, above the largest sum 2Q·weight = ${limit}: wrong key, weight or corrupted data`, {
            subject: 'ciphertext',
          });
        }
        out[index] = (slot - offset) / this.scale;
      }
      if (rest !== 0n) {
        throw new CohortError('INVALID_DATA', `plaintext ${c} has bits beyond its slots: wrong key, weight or corrupted data`, { subject: 'ciphertext' });
      }
    }
    return out;
  }

  /** Encrypts `values` as ⌈length/k⌉ ciphertexts of weight 1. */
  encrypt(values: ArrayLike<number>, obfuscator?: ObfuscatorSource): EncryptedVector {
    const source = this.publicKey.checkObfuscator(obfuscator ?? this.publicKey.defaultObfuscator);
    const ciphertexts = this.pack(values).map((m) => (this.publicKey.nude(m) * source.next()) % this.publicKey.nSquared);
    return new EncryptedVector(this, ciphertexts, values.length, 1);
  }

  decrypt(vector: EncryptedVector, key: RawDecryptor): Float64Array {
    if (!this.sameLayout(vector.scheme)) {
      throw new CohortError('INVALID_ARGUMENT', 'the vector was packed with a different key or slot layout', { subject: 'vector' });
    }
    return this.unpack(
      vector.ciphertexts.map((c) => key.rawDecrypt(c)),
      vector.length,
      vector.weight,
    );
  }
}

export class EncryptedVector {
  readonly scheme: PackingScheme;
  readonly ciphertexts: readonly bigint[];
  readonly length: number;
  /** Total weight of the contributions summed in here (see the overflow bound above). */
  readonly weight: number;

  constructor(scheme: PackingScheme, ciphertexts: readonly bigint[], length: number, weight: number) {
    check(Number.isInteger(length) && length >= 0 && scheme.ciphertextsFor(length) === ciphertexts.length, 'length', length, `consistent with ${ciphertexts.length} ciphertexts of ${scheme.slotsPerCiphertext} slots`);
    check(Number.isSafeInteger(weight) && weight >= 0, 'weight', weight, 'a non-negative integer');
    if (weight > scheme.maxSummands) {
      throw new CohortError('INVALID_ARGUMENT', `weight ${weight} exceeds maxSummands ${scheme.maxSummands} of the slot layout`, { subject: 'weight' });
    }
    const nSquared = scheme.publicKey.nSquared;
    for (const c of ciphertexts) check(typeof c === 'bigint' && c > 0n && c < nSquared, 'ciphertext', c, 'an integer in (0, n²)');
    this.scheme = scheme;
    this.ciphertexts = ciphertexts;
    this.length = length;
    this.weight = weight;
  }

  /** Slot-wise sum; refused (before any work) if the total weight would pass maxSummands. */
  add(other: EncryptedVector): EncryptedVector {
    if (!this.scheme.sameLayout(other.scheme) || this.length !== other.length) {
      throw new CohortError('INVALID_ARGUMENT', 'cannot add vectors of different keys, slot layouts or lengths', { subject: 'other' });
    }
    this.checkWeight(this.weight + other.weight, 'the sum');
    const nSquared = this.scheme.publicKey.nSquared;
    const sums = this.ciphertexts.map((c, i) => (c * (other.ciphertexts[i] as bigint)) % nSquared);
    return new EncryptedVector(this.scheme, sums, this.length, this.weight + other.weight);
  }

  /** Every slot times a small non-negative integer; the weight is multiplied too. */
  multiply(factor: number): EncryptedVector {
    check(Number.isSafeInteger(factor) && factor >= 0, 'factor', factor, 'a non-negative integer');
    this.checkWeight(this.weight * factor, 'the product');
    const nSquared = this.scheme.publicKey.nSquared;
    const k = BigInt(factor);
    return new EncryptedVector(this.scheme, this.ciphertexts.map((c) => modPow(c, k, nSquared)), this.length, this.weight * factor);
  }

  /** Fresh randomness on every ciphertext (after add/multiply, before sharing). */
  rerandomize(obfuscator?: ObfuscatorSource): EncryptedVector {
    const key = this.scheme.publicKey;
    const source = key.checkObfuscator(obfuscator ?? key.defaultObfuscator);
    return new EncryptedVector(this.scheme, this.ciphertexts.map((c) => (c * source.next()) % key.nSquared), this.length, this.weight);
  }

  /** Bytes of one ciphertext on the wire: fixed width, ⌈|n²|/8⌉. */
  get ciphertextBytes(): number {
    return Math.ceil(bitLength(this.scheme.publicKey.nSquared) / 8);
  }

  /** The ciphertexts as fixed-width big-endian bytes, back to back. */
  toBytes(): Uint8Array {
    const width = this.ciphertextBytes;
    const out = new Uint8Array(width * this.ciphertexts.length);
    this.ciphertexts.forEach((c, i) => out.set(bigintToBytes(c, width), i * width));
    return out;
  }

  static fromBytes(scheme: PackingScheme, bytes: Uint8Array, length: number, weight: number): EncryptedVector {
    const width = Math.ceil(bitLength(scheme.publicKey.nSquared) / 8);
    const count = scheme.ciphertextsFor(length);
    if (bytes.length !== count * width) {
      throw new CohortError('INVALID_DATA', `an encrypted vector of length ${length} takes ${count * width} bytes (got ${bytes.length})`, { subject: 'bytes' });
    }
    const ciphertexts: bigint[] = [];
    for (let i = 0; i < count; i++) ciphertexts.push(bytesToBigint(bytes.subarray(i * width, (i + 1) * width)));
    return new EncryptedVector(scheme, ciphertexts, length, weight);
  }

  private checkWeight(weight: number, what: string): void {
    if (weight > this.scheme.maxSummands) {
      throw new CohortError(
        'INVALID_ARGUMENT',
        `${what} would weigh ${weight}, beyond maxSummands ${this.scheme.maxSummands} of ${this.scheme.slotBits}-bit slots: its slots could overflow`,
        { subject: 'maxSummands' },
      );
    }
  }
}
