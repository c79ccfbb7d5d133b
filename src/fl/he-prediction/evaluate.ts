/**
 * Encrypted linear scores: Enc(w·z + b) = Π Enc(z_j)^{w_j} · Enc(b) (Paillier 1999: E(a)·E(b) =
 * E(a+b), E(a)^k = E(k·a)), with floats in python-paillier's encoding (mantissa · 16^exponent).
 * The coefficients are encoded at one common exponent so that, when the client's features share
 * an exponent, every product has the same exponent and the sum needs no exponent alignment.
 * The result is re-randomised: its random factor Π r_j^{w_j} would otherwise tell the client,
 * who knows the r_j, about the weights.
 */
import { EncodedNumber, type EncryptedNumber, type ObfuscatorSource, type PaillierPublicKey } from '../../crypto/paillier/index.js';
import { CohortError } from '../../errors.js';
import type { LinearScorer } from './servable-model.js';

export function encryptedScores(scorer: LinearScorer, publicKey: PaillierPublicKey, features: readonly EncryptedNumber[], obfuscator?: ObfuscatorSource): EncryptedNumber[] {
  if (features.length !== scorer.numFeatures) {
    throw new CohortError('INVALID_DATA', `the model takes ${scorer.numFeatures} features (got ${features.length})`, { subject: 'features' });
  }
  return scorer.coefficients.map((row, c) => {
    const encoded = Array.from(row, (w) => EncodedNumber.encode(publicKey, w));
    const common = Math.min(...encoded.map((e) => e.exponent));
    let sum: EncryptedNumber | undefined;
    encoded.forEach((weight, j) => {
      const term = (features[j] as EncryptedNumber).multiply(weight.decreaseExponentTo(common));
      sum = sum === undefined ? term : sum.add(term);
    });
    const total = (sum as EncryptedNumber).add(EncodedNumber.encode(publicKey, scorer.intercepts[c] as number, { maxExponent: (sum as EncryptedNumber).exponent }));
    return total.rerandomize(obfuscator);
  });
}
