/**
 * Paillier public key with g = n + 1 (Paillier 1999, §3; the choice of python-paillier and
 * Damgård–Jurik 2001), so that g^m = (1 + n)^m = 1 + m·n mod n² (binomial theorem) and
 * encryption is c = (1 + m·n) · r^n mod n².
 */
import { CohortError, check } from '../../errors.js';
import { bitLength } from '../bigint/arithmetic.js';
import { EncodedNumber, type EncodeOptions, type EncodingKey } from './encoding.js';
import { EncryptedNumber } from './encrypted-number.js';
import { StandardObfuscator, type ObfuscatorSource } from './obfuscators.js';

/** Smallest modulus accepted (python-paillier's own tests use a 17-bit n). */
export const MIN_MODULUS_BITS = 16;

export interface RawEncryptOptions {
  /** Use this r (1 ≤ r < n) for the factor r^n — known-answer tests only. */
  readonly r?: bigint;
  /** Where the random factor comes from; the key's standard CSPRNG source by default. */
  readonly obfuscator?: ObfuscatorSource;
}

export interface EncryptOptions extends RawEncryptOptions, Pick<EncodeOptions, 'precision'> {}

export class PaillierPublicKey implements EncodingKey {
  readonly n: bigint;
  readonly nSquared: bigint;
  readonly g: bigint;
  /** Largest mantissa magnitude an encoding may hold: ⌊n/3⌋ − 1 (python-paillier). */
  readonly maxInt: bigint;
  /** Bit length of n. */
  readonly bits: number;
  private standard: StandardObfuscator | undefined;

  constructor(n: bigint) {
    check(typeof n === 'bigint', 'n', n, 'a bigint');
    check(n > 0n && (n & 1n) === 1n && bitLength(n) >= MIN_MODULUS_BITS, 'n', n, `an odd modulus of at least ${MIN_MODULUS_BITS} bits`);
    this.n = n;
    this.nSquared = n * n;
    this.g = n + 1n;
    this.maxInt = n / 3n - 1n;
    this.bits = bitLength(n);
  }

  equals(other: PaillierPublicKey): boolean {
    return this.n === other.n;
  }

  /** The standard randomiser over the platform CSPRNG, created on first use. */
  get defaultObfuscator(): ObfuscatorSource {
    this.standard ??= new StandardObfuscator(this.n);
    return this.standard;
  }

  /** Checks that an obfuscator source belongs to this key. */
  checkObfuscator(source: ObfuscatorSource): ObfuscatorSource {
    if (source.n !== this.n) {
      throw new CohortError('INVALID_ARGUMENT', `obfuscator belongs to a different ${bitLength(source.n)}-bit modulus than this ${this.bits}-bit key`, {
        subject: 'obfuscator',
      });
    }
    return source;
  }

  /** 1 + m·n mod n², the encryption of m with r = 1 (no reduction needed when m < n). */
  nude(plaintext: bigint): bigint {
    const value = 1n + plaintext * this.n;
    return plaintext >= 0n && plaintext < this.n ? value : ((value % this.nSquared) + this.nSquared) % this.nSquared;
  }

  /** Paillier encryption of an integer 0 ≤ plaintext < n (python-paillier's raw_encrypt). */
  rawEncrypt(plaintext: bigint, options: RawEncryptOptions = {}): bigint {
    check(typeof plaintext === 'bigint' && plaintext >= 0n && plaintext < this.n, 'plaintext', plaintext, `an integer in [0, n) for this ${this.bits}-bit key`);
    const factor =
      options.r !== undefined
        ? StandardObfuscator.factorFor(this.n, options.r)
        : this.checkObfuscator(options.obfuscator ?? this.defaultObfuscator).next();
    return (this.nude(plaintext) * factor) % this.nSquared;
  }

  /** Encode (python-paillier's EncodedNumber rules) and encrypt a float, a bigint or an encoding. */
  encrypt(value: number | bigint | EncodedNumber, options: EncryptOptions = {}): EncryptedNumber {
    const encoded =
      value instanceof EncodedNumber ? value : EncodedNumber.encode(this, value, options.precision === undefined ? {} : { precision: options.precision });
    return this.encryptEncoded(encoded, options);
  }

  encryptEncoded(encoded: EncodedNumber, options: RawEncryptOptions = {}): EncryptedNumber {
    if (encoded.publicKey.n !== this.n) {
      throw new CohortError('INVALID_ARGUMENT', 'the encoding was made for a different public key', { subject: 'encoded' });
    }
    const ciphertext = this.rawEncrypt(encoded.encoding, options);
    // An explicit r is a test hook: python-paillier leaves such a ciphertext marked un-obfuscated.
    return new EncryptedNumber(this, ciphertext, encoded.exponent, options.r === undefined);
  }
}
