/**
 * An encrypted float or integer with python-paillier's semantics (phe.paillier.EncryptedNumber):
 * a ciphertext of an EncodedNumber's mantissa plus its exponent in clear. Homomorphisms
 * (Paillier 1999, §11): E(a)·E(b) = E(a + b), E(a)^k = E(k·a) mod n². Exponents are aligned by
 * lowering the larger one, as python-paillier's decrease_exponent_to.
 *
 * Results of add and multiply are marked not obfuscated, as in python-paillier: anyone holding
 * the inputs can recompute them, so call `rerandomize()` (or `shareable()`) before handing one to
 * a party that must not learn how it was computed.
 */
import { CohortError, check } from '../../errors.js';
import { modInverse } from '../bigint/arithmetic.js';
import { modPow } from '../bigint/modpow.js';
import { EncodedNumber } from './encoding.js';
import type { ObfuscatorSource } from './obfuscators.js';
import type { PaillierPublicKey } from './public-key.js';

export class EncryptedNumber {
  readonly publicKey: PaillierPublicKey;
  readonly ciphertext: bigint;
  readonly exponent: number;
  /** True when the ciphertext carries a fresh random factor no other party could have computed. */
  readonly obfuscated: boolean;

  constructor(publicKey: PaillierPublicKey, ciphertext: bigint, exponent = 0, obfuscated = false) {
    check(typeof ciphertext === 'bigint' && ciphertext > 0n && ciphertext < publicKey.nSquared, 'ciphertext', ciphertext, 'an integer in (0, n²)');
    check(Number.isSafeInteger(exponent), 'exponent', exponent, 'a safe integer');
    this.publicKey = publicKey;
    this.ciphertext = ciphertext;
    this.exponent = exponent;
    this.obfuscated = obfuscated;
  }

  /** E(a + b) for an EncryptedNumber, an EncodedNumber, a float (`number`) or an integer (`bigint`). */
  add(other: EncryptedNumber | EncodedNumber | number | bigint): EncryptedNumber {
    if (other instanceof EncryptedNumber) return this.addEncrypted(other);
    if (other instanceof EncodedNumber) return this.addEncoded(other);
    // python-paillier _add_scalar: encode at no larger an exponent than ours.
    return this.addEncoded(EncodedNumber.encode(this.publicKey, other, { maxExponent: this.exponent }));
  }

  subtract(other: EncryptedNumber | EncodedNumber | number | bigint): EncryptedNumber {
    if (other instanceof EncryptedNumber) return this.add(other.multiply(-1n));
    if (other instanceof EncodedNumber) return this.subtractEncoded(other);
    return this.add(-other);
  }

  /** E(a · k) for a plaintext scalar: a float (`number`), an integer (`bigint`) or an encoding. */
  multiply(scalar: number | bigint | EncodedNumber): EncryptedNumber {
    const encoded = scalar instanceof EncodedNumber ? scalar : EncodedNumber.encode(this.publicKey, scalar);
    this.checkSameKey(encoded.publicKey.n, 'scalar');
    return new EncryptedNumber(this.publicKey, this.rawMultiply(encoded.encoding), this.exponent + encoded.exponent);
  }

  /** The same plaintext at a lower exponent: multiply by 16^(exponent − newExponent). */
  decreaseExponentTo(newExponent: number): EncryptedNumber {
    check(Number.isSafeInteger(newExponent) && newExponent <= this.exponent, 'newExponent', newExponent, `an integer no greater than the current exponent ${this.exponent}`);
    const multiplied = this.multiply(16n ** BigInt(this.exponent - newExponent));
    return new EncryptedNumber(this.publicKey, multiplied.ciphertext, newExponent, false);
  }

  /** Same plaintext, fresh randomness: c · r^n mod n². */
  rerandomize(obfuscator?: ObfuscatorSource): EncryptedNumber {
    const source = this.publicKey.checkObfuscator(obfuscator ?? this.publicKey.defaultObfuscator);
    return new EncryptedNumber(this.publicKey, (this.ciphertext * source.next()) % this.publicKey.nSquared, this.exponent, true);
  }

  /** This ciphertext if already obfuscated, otherwise a rerandomised copy (python's ciphertext(be_secure=True)). */
  shareable(obfuscator?: ObfuscatorSource): EncryptedNumber {
    return this.obfuscated ? this : this.rerandomize(obfuscator);
  }

  private addEncrypted(other: EncryptedNumber): EncryptedNumber {
    this.checkSameKey(other.publicKey.n, 'other');
    const a = this.exponent > other.exponent ? this.decreaseExponentTo(other.exponent) : this;
    const b = other.exponent > this.exponent ? other.decreaseExponentTo(this.exponent) : other;
    return new EncryptedNumber(this.publicKey, (a.ciphertext * b.ciphertext) % this.publicKey.nSquared, a.exponent, false);
  }

  private addEncoded(encoded: EncodedNumber): EncryptedNumber {
    this.checkSameKey(encoded.publicKey.n, 'other');
    const a = this.exponent > encoded.exponent ? this.decreaseExponentTo(encoded.exponent) : this;
    const b = encoded.exponent > this.exponent ? encoded.decreaseExponentTo(this.exponent) : encoded;
    // python-paillier: raw_encrypt(b.encoding, r = 1), i.e. 1 + m·n, no obfuscation here.
    const encrypted = this.publicKey.nude(b.encoding);
    return new EncryptedNumber(this.publicKey, (a.ciphertext * encrypted) % this.publicKey.nSquared, a.exponent, false);
  }

  private subtractEncoded(encoded: EncodedNumber): EncryptedNumber {
    const negated = new EncodedNumber(encoded.publicKey, encoded.encoding === 0n ? 0n : this.publicKey.n - encoded.encoding, encoded.exponent);
    return this.addEncoded(negated);
  }

  /** c^k mod n², with python-paillier's shortcut (c⁻¹)^(n − k) for k ≥ n − maxInt (negative k). */
  private rawMultiply(plaintext: bigint): bigint {
    const { n, nSquared, maxInt } = this.publicKey;
    check(plaintext >= 0n && plaintext < n, 'scalar encoding', plaintext, 'in [0, n)');
    if (plaintext >= n - maxInt) return modPow(modInverse(this.ciphertext, nSquared), n - plaintext, nSquared);
    return modPow(this.ciphertext, plaintext, nSquared);
  }

  private checkSameKey(n: bigint, name: string): void {
    if (n !== this.publicKey.n) {
      throw new CohortError('INVALID_ARGUMENT', `${name} belongs to a different public key`, { subject: name });
    }
  }
}
