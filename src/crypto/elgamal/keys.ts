/**
 * ElGamal keys over ristretto255 (ElGamal 1985, written additively): private key x uniform in
 * [1, ℓ), public key h = x·B. Text forms are the 32-byte encodings — the RFC 9496 element encoding
 * of h, and x as 32 bytes little-endian — in hex or unpadded base64url.
 */
import { CohortError } from '../../errors.js';
import { requireSecure, type RandomSource } from '../random.js';
import { checkEncoding, decodeBytes, encodeBytes, type ByteEncoding } from './encoding.js';
import {
  RISTRETTO255_BYTES,
  RISTRETTO255_ORDER,
  checkElement,
  decodeRistretto255Element,
  describe,
  multiplyGeneratorSecret,
  randomNonzeroScalar,
  scalarFromBytes,
  scalarToBytes,
  type Ristretto255Element,
} from './group.js';

export interface ElGamalPublicKey {
  readonly kind: 'elgamal-ristretto255-public';
  /** h = x·B. */
  readonly element: Ristretto255Element;
}

export interface ElGamalPrivateKey {
  readonly kind: 'elgamal-ristretto255-private';
  /** x in [1, ℓ). Keep secret; a bigint cannot be wiped, so drop references when done. */
  readonly secretScalar: bigint;
  readonly publicKey: ElGamalPublicKey;
}

export interface ElGamalKeyPair {
  readonly publicKey: ElGamalPublicKey;
  readonly privateKey: ElGamalPrivateKey;
}

/** A fresh key pair; `rng` must be secure (a seeded one is accepted only inside tests). */
export function generateElGamalKeyPair(rng?: RandomSource): ElGamalKeyPair {
  const source = requireSecure(rng, 'ElGamal key generation');
  const privateKey = elGamalPrivateKeyFromScalar(randomNonzeroScalar(source));
  return { publicKey: privateKey.publicKey, privateKey };
}

/** The private key with secret scalar `secretScalar` in [1, ℓ) (and its public key x·B). */
export function elGamalPrivateKeyFromScalar(secretScalar: bigint): ElGamalPrivateKey {
  if (typeof secretScalar !== 'bigint' || secretScalar < 1n || secretScalar >= RISTRETTO255_ORDER) {
    throw new CohortError('INVALID_ARGUMENT', 'secretScalar must be a bigint in [1, ℓ) where ℓ is the ristretto255 group order', {
      subject: 'secretScalar',
    });
  }
  const publicKey = elGamalPublicKeyFromElement(multiplyGeneratorSecret(secretScalar));
  return Object.freeze({ kind: 'elgamal-ristretto255-private', secretScalar, publicKey });
}

/** The public key h = `element`; the identity is refused (it would encrypt nothing). */
export function elGamalPublicKeyFromElement(element: Ristretto255Element, name = 'publicKey'): ElGamalPublicKey {
  checkElement(element, name);
  if (element.is0()) {
    throw new CohortError('INVALID_ARGUMENT', `${name} is the identity element, which is not a valid ElGamal public key`, {
      subject: name,
    });
  }
  return Object.freeze({ kind: 'elgamal-ristretto255-public', element });
}

export function checkPublicKey(value: unknown, name = 'publicKey'): asserts value is ElGamalPublicKey {
  const key = value as Partial<ElGamalPublicKey> | null;
  if (typeof key !== 'object' || key === null || key.kind !== 'elgamal-ristretto255-public') {
    throw new CohortError('INVALID_ARGUMENT', `${name} must be an ElGamal public key (got ${describe(value)})`, {
      subject: name,
    });
  }
  checkElement(key.element, `${name}.element`);
  if (key.element.is0()) {
    throw new CohortError('INVALID_ARGUMENT', `${name} is the identity element, which is not a valid ElGamal public key`, {
      subject: name,
    });
  }
}

export function checkPrivateKey(value: unknown, name = 'privateKey'): asserts value is ElGamalPrivateKey {
  const key = value as Partial<ElGamalPrivateKey> | null;
  if (typeof key !== 'object' || key === null || key.kind !== 'elgamal-ristretto255-private') {
    throw new CohortError('INVALID_ARGUMENT', `${name} must be an ElGamal private key (got ${describe(value)})`, {
      subject: name,
    });
  }
  const x = key.secretScalar;
  if (typeof x !== 'bigint' || x < 1n || x >= RISTRETTO255_ORDER) {
    throw new CohortError('INVALID_ARGUMENT', `${name}.secretScalar must be a bigint in [1, ℓ)`, { subject: name });
  }
}

/** The public key as the hex or base64url text of its 32-byte RFC 9496 encoding. */
export function serializeElGamalPublicKey(publicKey: ElGamalPublicKey, encoding: ByteEncoding = 'base64url'): string {
  checkPublicKey(publicKey);
  checkEncoding(encoding, 'encoding');
  return encodeBytes(publicKey.element.toBytes(), encoding);
}

/** Parses `serializeElGamalPublicKey` output (either encoding); malformed text → INVALID_ARGUMENT. */
export function parseElGamalPublicKey(text: string): ElGamalPublicKey {
  return elGamalPublicKeyFromElement(decodeRistretto255Element(text, 'publicKey'));
}

/** The private key as the hex or base64url text of x in 32 bytes little-endian. Handle as a secret. */
export function serializeElGamalPrivateKey(privateKey: ElGamalPrivateKey, encoding: ByteEncoding = 'base64url'): string {
  checkPrivateKey(privateKey);
  checkEncoding(encoding, 'encoding');
  const bytes = scalarToBytes(privateKey.secretScalar);
  const text = encodeBytes(bytes, encoding);
  bytes.fill(0);
  return text;
}

/** Parses `serializeElGamalPrivateKey` output; a scalar not in [1, ℓ) (non-canonical) is refused. */
export function parseElGamalPrivateKey(text: string): ElGamalPrivateKey {
  const bytes = decodeBytes(text, RISTRETTO255_BYTES, 'privateKey');
  const secretScalar = scalarFromBytes(bytes);
  bytes.fill(0);
  if (secretScalar === 0n) {
    throw new CohortError('INVALID_ARGUMENT', 'privateKey is zero, which is not a valid ElGamal private key', {
      subject: 'privateKey',
    });
  }
  if (secretScalar >= RISTRETTO255_ORDER) {
    throw new CohortError('INVALID_ARGUMENT', 'privateKey is not a canonical scalar: it is not below the group order ℓ', {
      subject: 'privateKey',
    });
  }
  return elGamalPrivateKeyFromScalar(secretScalar);
}
