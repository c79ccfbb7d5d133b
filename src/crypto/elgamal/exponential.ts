/**
 * Exponential ("lifted") ElGamal: the message is put in the exponent, Enc(m; r) = (r·B, m·B + r·h),
 * which makes the scheme additively homomorphic (R. Cramer, R. Gennaro, B. Schoenmakers, "A secure
 * and optimally efficient multi-authority election scheme", EUROCRYPT 1997):
 *   Enc(a) ⊙ Enc(b) = Enc(a + b),   Enc(a) with m·B added = Enc(a + m),   k ⊗ Enc(a) = Enc(k·a).
 * Decryption yields m·B, and m is recovered by a discrete logarithm, feasible only when m is
 * small: the caller states a bound and baby-step giant-step searches it (discrete-log.ts).
 * Plaintexts are integers modulo the group order ℓ; the bound is what makes them counts.
 */
import { check } from '../../errors.js';
import { requireSecure, type RandomSource } from '../random.js';
import { checkCiphertext, makeCiphertext, type ElGamalCiphertext } from './ciphertext.js';
import { ristretto255DiscreteLog, type DiscreteLogOptions } from './discrete-log.js';
import { multiplyGeneratorSecret, reduceScalar } from './group.js';
import { checkPrivateKey, checkPublicKey, type ElGamalPrivateKey, type ElGamalPublicKey } from './keys.js';
import { decryptUnchecked, elGamalMultiply, encryptWithSource } from './multiplicative.js';

/**
 * Encrypts the integer `value` (a safe integer or bigint; negatives are taken modulo ℓ) as
 * (r·B, value·B + r·h) with a fresh nonce from a secure `rng` (a seeded one only in tests).
 */
export function exponentialElGamalEncrypt(publicKey: ElGamalPublicKey, value: number | bigint, rng?: RandomSource): ElGamalCiphertext {
  checkPublicKey(publicKey);
  const exponent = reduceScalar(value, 'value');
  return encryptWithSource(publicKey, multiplyGeneratorSecret(exponent), requireSecure(rng, 'ElGamal encryption'));
}

/** Enc(a) ⊙ Enc(b) = Enc(a + b): the component-wise group operation. */
export function exponentialElGamalAdd(a: ElGamalCiphertext, b: ElGamalCiphertext): ElGamalCiphertext {
  return elGamalMultiply(a, b);
}

/** The homomorphic sum of one or more ciphertexts (e.g. every data owner's encrypted count). */
export function exponentialElGamalSum(ciphertexts: readonly ElGamalCiphertext[]): ElGamalCiphertext {
  check(Array.isArray(ciphertexts) && ciphertexts.length >= 1, 'ciphertexts', ciphertexts?.length, 'a non-empty array');
  ciphertexts.forEach((c, i) => checkCiphertext(c, `ciphertexts[${i}]`));
  let ephemeral = (ciphertexts[0] as ElGamalCiphertext).ephemeral;
  let masked = (ciphertexts[0] as ElGamalCiphertext).masked;
  for (let i = 1; i < ciphertexts.length; i++) {
    const c = ciphertexts[i] as ElGamalCiphertext;
    ephemeral = ephemeral.add(c.ephemeral);
    masked = masked.add(c.masked);
  }
  return makeCiphertext(ephemeral, masked);
}

/**
 * Enc(a) → Enc(a + value) by adding value·B to c2. The nonce is unchanged (the output is
 * linkable to the input), so re-randomise before passing it on if that matters.
 */
export function exponentialElGamalAddPlain(ciphertext: ElGamalCiphertext, value: number | bigint): ElGamalCiphertext {
  checkCiphertext(ciphertext);
  const exponent = reduceScalar(value, 'value');
  return makeCiphertext(ciphertext.ephemeral, ciphertext.masked.add(multiplyGeneratorSecret(exponent)));
}

/**
 * k ⊗ Enc(a) = Enc(k·a) for a public integer `factor` (negatives taken modulo ℓ), by scaling both
 * components. A factor of 0 gives the trivial encryption of 0 — re-randomise before sharing.
 */
export function exponentialElGamalMultiplyScalar(ciphertext: ElGamalCiphertext, factor: number | bigint): ElGamalCiphertext {
  checkCiphertext(ciphertext);
  const k = reduceScalar(factor, 'factor');
  // The factor is public, so the faster variable-time multiplication is fine here.
  return makeCiphertext(ciphertext.ephemeral.multiplyUnsafe(k), ciphertext.masked.multiplyUnsafe(k));
}

/**
 * Decrypts to m·B = c2 − x·c1, then finds m in [0, bound) — or (−bound, bound) with
 * `allowNegative` — by baby-step giant-step. A plaintext outside the range (or a ciphertext made
 * under another key) throws PLAINTEXT_OUT_OF_RANGE.
 */
export function exponentialElGamalDecrypt(
  privateKey: ElGamalPrivateKey,
  ciphertext: ElGamalCiphertext,
  options: DiscreteLogOptions,
): number {
  checkPrivateKey(privateKey);
  checkCiphertext(ciphertext);
  return ristretto255DiscreteLog(decryptUnchecked(privateKey, ciphertext), options);
}

