/**
 * Paillier private key (p, q) with decryption by Chinese remaindering (Paillier 1999, §7;
 * python-paillier's raw_decrypt):
 *   m_p = L_p(c^(p−1) mod p²) · h_p mod p,   L_p(x) = (x − 1)/p,
 *   h_p = L_p(g^(p−1) mod p²)⁻¹ mod p,       same for q,
 *   m = CRT(m_p, m_q) = m_p + p·((m_q − m_p)·p⁻¹ mod q).
 * With g = n + 1, g^(p−1) mod p² = 1 + (p − 1)·n mod p², so h_p = ((p − 1)·q mod p)⁻¹ mod p.
 */
import { CohortError, check } from '../../errors.js';
import { Crt2, gcd, modInverse } from '../bigint/arithmetic.js';
import { modPow } from '../bigint/modpow.js';
import { isProbablePrime, randomPrime } from '../bigint/primes.js';
import { type RandomSource } from '../random.js';
import { EncodedNumber } from './encoding.js';
import type { EncryptedNumber } from './encrypted-number.js';
import { CrtObfuscator } from './obfuscators.js';
import { PaillierPublicKey } from './public-key.js';

export const DEFAULT_KEY_BITS = 2048;

export class PaillierPrivateKey {
  readonly publicKey: PaillierPublicKey;
  /** The smaller prime (python-paillier keeps p < q). */
  readonly p: bigint;
  readonly q: bigint;
  private readonly pSquared: bigint;
  private readonly qSquared: bigint;
  private readonly hp: bigint;
  private readonly hq: bigint;
  private readonly crt: Crt2;

  constructor(publicKey: PaillierPublicKey, p: bigint, q: bigint) {
    check(typeof p === 'bigint' && typeof q === 'bigint' && p > 2n && q > 2n, 'p, q', `${String(p)}, ${String(q)}`, 'integers greater than 2');
    if (p * q !== publicKey.n) {
      throw new CohortError('INVALID_ARGUMENT', 'p·q does not equal the public modulus n', { subject: 'p, q' });
    }
    check(p !== q, 'q', q, 'different from p');
    if (q < p) [p, q] = [q, p];
    this.publicKey = publicKey;
    this.p = p;
    this.q = q;
    this.pSquared = p * p;
    this.qSquared = q * q;
    try {
      this.hp = modInverse(((p - 1n) * q) % p, p);
      this.hq = modInverse(((q - 1n) * p) % q, q);
      this.crt = new Crt2(p, q);
    } catch (cause) {
      throw new CohortError('INVALID_ARGUMENT', 'p and q are not the two distinct primes of a Paillier key', { subject: 'p, q', cause });
    }
  }

  /** Decrypt a raw ciphertext 0 < c < n² to the plaintext in [0, n). */
  rawDecrypt(ciphertext: bigint): bigint {
    check(typeof ciphertext === 'bigint' && ciphertext > 0n && ciphertext < this.publicKey.nSquared, 'ciphertext', ciphertext, 'an integer in (0, n²)');
    const mp = (lFunction(modPow(ciphertext, this.p - 1n, this.pSquared), this.p) * this.hp) % this.p;
    const mq = (lFunction(modPow(ciphertext, this.q - 1n, this.qSquared), this.q) * this.hq) % this.q;
    return this.crt.combine(mp, mq);
  }

  decryptEncoded(encrypted: EncryptedNumber): EncodedNumber {
    if (!encrypted.publicKey.equals(this.publicKey)) {
      throw new CohortError('INVALID_ARGUMENT', 'the number was encrypted under a different public key', { subject: 'encrypted' });
    }
    return new EncodedNumber(this.publicKey, this.rawDecrypt(encrypted.ciphertext), encrypted.exponent);
  }

  /** The decrypted value: a bigint for exponent ≥ 0, a number otherwise (python-paillier's decrypt). */
  decrypt(encrypted: EncryptedNumber): number | bigint {
    return this.decryptEncoded(encrypted).decode();
  }

  /** The key holder's faster randomiser (r^n through p² and q², see obfuscators.ts). */
  crtObfuscator(rng?: RandomSource): CrtObfuscator {
    return new CrtObfuscator(this.p, this.q, rng);
  }

  equals(other: PaillierPrivateKey): boolean {
    return this.p === other.p && this.q === other.q;
  }
}

function lFunction(x: bigint, divisor: bigint): bigint {
  return (x - 1n) / divisor;
}

export interface KeyGenerationOptions {
  /** Bit length of n: even, at least 64 (2048 or 3072 for real use; small sizes are for tests). */
  readonly bits?: number;
  readonly rng?: RandomSource;
}

export interface PaillierKeypair {
  readonly publicKey: PaillierPublicKey;
  readonly privateKey: PaillierPrivateKey;
}

/**
 * A fresh key: two random probable primes of bits/2 bits each (trial division, then the
 * Miller–Rabin rounds of FIPS 186-5 Table B.1), n = p·q of exactly `bits` bits and
 * gcd(n, (p − 1)(q − 1)) = 1 (Paillier 1999, §3; implied by |p| = |q| but checked).
 */
export function generateKeypair(options: KeyGenerationOptions = {}): PaillierKeypair {
  const bits = options.bits ?? DEFAULT_KEY_BITS;
  check(Number.isInteger(bits) && bits >= 64 && bits <= 16384 && bits % 2 === 0, 'bits', bits, 'an even integer in [64, 16384]');
  for (;;) {
    const p = randomPrime(bits / 2, options.rng === undefined ? {} : { rng: options.rng });
    const q = randomPrime(bits / 2, options.rng === undefined ? {} : { rng: options.rng });
    if (p === q) continue;
    const n = p * q;
    if (gcd(n, (p - 1n) * (q - 1n)) !== 1n) continue;
    const publicKey = new PaillierPublicKey(n);
    return { publicKey, privateKey: new PaillierPrivateKey(publicKey, p, q) };
  }
}

/** Checks that p and q are probable primes (a loaded key file should not be trusted blindly). */
export function checkPrivateKeyPrimes(privateKey: PaillierPrivateKey, rng?: RandomSource): void {
  for (const [name, value] of [
    ['p', privateKey.p],
    ['q', privateKey.q],
  ] as const) {
    if (!isProbablePrime(value, { rounds: 8, ...(rng === undefined ? {} : { rng }) })) {
      throw new CohortError('INVALID_DATA', `private key ${name} is not a prime`, { subject: name });
    }
  }
}
