/**
 * An ElGamal ciphertext (ElGamal 1985), written additively over ristretto255:
 * (c1, c2) = (r·B, M + r·h) for a message element M, nonce r and public key h. The same pair
 * carries exponential ElGamal, where M = m·B. Text form: the two 32-byte RFC 9496 encodings
 * concatenated (c1 ‖ c2, 64 bytes) in hex or unpadded base64url.
 */
import { CohortError } from '../../errors.js';
import { checkEncoding, decodeBytes, encodeBytes, type ByteEncoding } from './encoding.js';
import { RISTRETTO255_BYTES, checkElement, describe, elementFromBytes, type Ristretto255Element } from './group.js';

export interface ElGamalCiphertext {
  /** c1 = r·B, the ephemeral key. */
  readonly ephemeral: Ristretto255Element;
  /** c2 = M + r·h, the message masked by the shared secret r·h. */
  readonly masked: Ristretto255Element;
}

export function makeCiphertext(ephemeral: Ristretto255Element, masked: Ristretto255Element): ElGamalCiphertext {
  return Object.freeze({ ephemeral, masked });
}

export function checkCiphertext(value: unknown, name = 'ciphertext'): asserts value is ElGamalCiphertext {
  if (typeof value !== 'object' || value === null) {
    throw new CohortError('INVALID_ARGUMENT', `${name} must be an ElGamal ciphertext (got ${describe(value)})`, {
      subject: name,
    });
  }
  const candidate = value as Partial<ElGamalCiphertext>;
  checkElement(candidate.ephemeral, `${name}.ephemeral`);
  checkElement(candidate.masked, `${name}.masked`);
}

/** The ciphertext as hex or base64url text of c1 ‖ c2 (64 bytes). */
export function serializeElGamalCiphertext(ciphertext: ElGamalCiphertext, encoding: ByteEncoding = 'base64url'): string {
  checkCiphertext(ciphertext);
  checkEncoding(encoding, 'encoding');
  const bytes = new Uint8Array(2 * RISTRETTO255_BYTES);
  bytes.set(ciphertext.ephemeral.toBytes(), 0);
  bytes.set(ciphertext.masked.toBytes(), RISTRETTO255_BYTES);
  return encodeBytes(bytes, encoding);
}

/** Parses `serializeElGamalCiphertext` output; a bad length, character or element encoding → INVALID_ARGUMENT. */
export function parseElGamalCiphertext(text: string, name = 'ciphertext'): ElGamalCiphertext {
  const bytes = decodeBytes(text, 2 * RISTRETTO255_BYTES, name);
  const ephemeral = elementFromBytes(bytes.subarray(0, RISTRETTO255_BYTES), `${name} (first element, c1)`, name);
  const masked = elementFromBytes(bytes.subarray(RISTRETTO255_BYTES), `${name} (second element, c2)`, name);
  return makeCiphertext(ephemeral, masked);
}
