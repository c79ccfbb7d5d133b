/**
 * Multiplicatively homomorphic ElGamal (T. ElGamal, "A public key cryptosystem and a signature
 * scheme based on discrete logarithms", IEEE Trans. Inf. Theory 31(4), 1985), over ristretto255
 * and written additively, so the paper's "multiply" is the group operation `+` here:
 *   Enc(M; r) = (r·B, M + r·h)          Dec(c1, c2) = c2 − x·c1
 *   Enc(M1; r1) ⊙ Enc(M2; r2) = Enc(M1 + M2; r1 + r2)   (component-wise group operation)
 * IND-CPA secure under the decisional Diffie–Hellman assumption in the group (Tsiounis & Yung,
 * PKC 1998); malleable by design, so it is not IND-CCA.
 */
import { requireSecure, type RandomSource } from '../random.js';
import { checkCiphertext, makeCiphertext, type ElGamalCiphertext } from './ciphertext.js';
import { checkElement, multiplyGeneratorSecret, randomNonzeroScalar, type Ristretto255Element } from './group.js';
import { checkPrivateKey, checkPublicKey, type ElGamalPrivateKey, type ElGamalPublicKey } from './keys.js';

/** Encryptions with one key after which its fixed-base table is built (≈ 60 ms here; r·h is then ~3× faster). */
const PRECOMPUTE_AFTER_USES = 32;
const PRECOMPUTE_WINDOW_BITS = 8;
const keyUses = new WeakMap<Ristretto255Element, number>();

/** r·h with a lazily built fixed-base table once a key is used often enough to repay it. */
function maskFor(publicKey: ElGamalPublicKey, nonce: bigint): Ristretto255Element {
  const h = publicKey.element;
  const uses = (keyUses.get(h) ?? 0) + 1;
  keyUses.set(h, uses);
  if (uses === PRECOMPUTE_AFTER_USES) h.precompute(PRECOMPUTE_WINDOW_BITS, false);
  return h.multiply(nonce);
}

/**
 * Encrypts the element M = `message` with a fresh nonce r drawn from a secure `rng`
 * (a seeded one only in tests): returns (r·B, M + r·h).
 */
export function elGamalEncryptElement(publicKey: ElGamalPublicKey, message: Ristretto255Element, rng?: RandomSource): ElGamalCiphertext {
  checkPublicKey(publicKey);
  checkElement(message, 'message');
  return encryptWithSource(publicKey, message, requireSecure(rng, 'ElGamal encryption'));
}

/** Encryption once the arguments are checked; shared with exponential ElGamal. */
export function encryptWithSource(publicKey: ElGamalPublicKey, message: Ristretto255Element, source: RandomSource): ElGamalCiphertext {
  const nonce = randomNonzeroScalar(source);
  return makeCiphertext(multiplyGeneratorSecret(nonce), message.add(maskFor(publicKey, nonce)));
}

/** Recovers M = c2 − x·c1. */
export function elGamalDecryptElement(privateKey: ElGamalPrivateKey, ciphertext: ElGamalCiphertext): Ristretto255Element {
  checkPrivateKey(privateKey);
  checkCiphertext(ciphertext);
  return decryptUnchecked(privateKey, ciphertext);
}

export function decryptUnchecked(privateKey: ElGamalPrivateKey, ciphertext: ElGamalCiphertext): Ristretto255Element {
  const shared = ciphertext.ephemeral.is0() ? ciphertext.ephemeral : ciphertext.ephemeral.multiply(privateKey.secretScalar);
  return ciphertext.masked.subtract(shared);
}

/**
 * The homomorphic product: (a1 + b1, a2 + b2) decrypts to Ma + Mb (the group operation, the
 * paper's multiplication). The result's nonce is ra + rb, so re-randomise it before showing it
 * to anyone who saw the inputs.
 */
export function elGamalMultiply(a: ElGamalCiphertext, b: ElGamalCiphertext): ElGamalCiphertext {
  checkCiphertext(a, 'a');
  checkCiphertext(b, 'b');
  return makeCiphertext(a.ephemeral.add(b.ephemeral), a.masked.add(b.masked));
}

/**
 * A fresh-looking encryption of the same message: adds an encryption of the identity,
 * (c1 + s·B, c2 + s·h) with s uniform, so the output is distributed like a new encryption and
 * cannot be linked to the input without the private key.
 */
export function elGamalRerandomize(publicKey: ElGamalPublicKey, ciphertext: ElGamalCiphertext, rng?: RandomSource): ElGamalCiphertext {
  checkPublicKey(publicKey);
  checkCiphertext(ciphertext);
  const source = requireSecure(rng, 'ElGamal re-randomisation');
  const nonce = randomNonzeroScalar(source);
  return makeCiphertext(ciphertext.ephemeral.add(multiplyGeneratorSecret(nonce)), ciphertext.masked.add(maskFor(publicKey, nonce)));
}
