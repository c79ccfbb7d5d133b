/**
 * The prime-order group ristretto255 (RFC 9496), through @noble/curves. Ristretto wraps the
 * Curve25519 Edwards curve (cofactor 8) so that the group seen by callers has prime order
 * ℓ = 2^252 + 27742317777372353535851937790883648493 and every element has exactly one 32-byte
 * encoding (RFC 9496 §4.3.1–4.3.2). Prime order is what ElGamal's security argument needs: DDH is
 * assumed hard in the whole group, with no small subgroup to leak bits of a plaintext or key.
 */
import { ristretto255 } from '@noble/curves/ed25519.js';
import { CohortError, check, formatValue } from '../../errors.js';
import { requireSecure, type RandomSource } from '../random.js';
import { checkEncoding, decodeBytes, encodeBytes, type ByteEncoding } from './encoding.js';

const Point = ristretto255.Point;

/** An element of ristretto255 (a noble `RistrettoPoint`). Compare with `.equals`, never `===`. */
export type Ristretto255Element = InstanceType<typeof ristretto255.Point>;

/** ℓ, the prime order of ristretto255 (RFC 9496; the order of the Ed25519 base point). */
export const RISTRETTO255_ORDER: bigint = Point.Fn.ORDER;

/** Bytes in one encoded element or scalar. */
export const RISTRETTO255_BYTES = 32;

/** The generator B of RFC 9496 (the class of the Ed25519 base point; encoding in its Appendix A.1). */
export function ristretto255Generator(): Ristretto255Element {
  return Point.BASE;
}

/** The identity element (encoded as 32 zero bytes). */
export function ristretto255Identity(): Ristretto255Element {
  return Point.ZERO;
}

export function isRistretto255Element(value: unknown): value is Ristretto255Element {
  return value instanceof Point;
}

/** Throws INVALID_ARGUMENT naming `name` unless `value` is a ristretto255 element. */
export function checkElement(value: unknown, name: string): asserts value is Ristretto255Element {
  if (!isRistretto255Element(value)) {
    throw new CohortError('INVALID_ARGUMENT', `${name} must be a ristretto255 element (got ${describe(value)})`, {
      subject: name,
    });
  }
}

/**
 * Reduces an integer (a safe-integer number or a bigint) into [0, ℓ). Negative values map to
 * ℓ − |value|, so exponents −k and ℓ − k give the same element.
 */
export function reduceScalar(value: number | bigint, name: string): bigint {
  if (typeof value === 'number') {
    check(Number.isSafeInteger(value), name, value, 'a safe integer or a bigint');
  } else {
    check(typeof value === 'bigint', name, value, 'a safe integer or a bigint');
  }
  const big = BigInt(value);
  const reduced = big % RISTRETTO255_ORDER;
  return reduced < 0n ? reduced + RISTRETTO255_ORDER : reduced;
}

/**
 * k·B for a secret k (a key, a nonce, the plaintext of exponential ElGamal): noble's
 * constant-time `multiply`. noble refuses 0, which maps to the identity.
 */
export function multiplyGeneratorSecret(scalar: bigint): Ristretto255Element {
  return scalar === 0n ? Point.ZERO : Point.BASE.multiply(scalar);
}

/** The element B^k (written additively k·B): the generator raised to an integer exponent. */
export function ristretto255FromExponent(exponent: number | bigint): Ristretto255Element {
  return multiplyGeneratorSecret(reduceScalar(exponent, 'exponent'));
}

/**
 * A uniform scalar in [1, ℓ) drawn from `rng` (never noble's own RNG, so tests can seed it).
 * Zero is excluded: noble's constant-time ladder refuses it and a zero key or nonce is degenerate.
 */
export function randomNonzeroScalar(rng: RandomSource): bigint {
  return rng.uniformBigInt(RISTRETTO255_ORDER - 1n) + 1n;
}

/** A uniformly random element r·B, r uniform in [1, ℓ), from a secure source (seeded only in tests). */
export function randomRistretto255Element(rng?: RandomSource): Ristretto255Element {
  const source = requireSecure(rng, 'a random ristretto255 element');
  return Point.BASE.multiply(randomNonzeroScalar(source));
}

/** The canonical 32-byte encoding (RFC 9496 §4.3.2) as hex or base64url. */
export function encodeRistretto255Element(element: Ristretto255Element, encoding: ByteEncoding = 'base64url'): string {
  checkElement(element, 'element');
  checkEncoding(encoding, 'encoding');
  return encodeBytes(element.toBytes(), encoding);
}

/**
 * Decodes a 32-byte element encoding (hex or base64url). Non-canonical or invalid encodings
 * (RFC 9496 §4.3.1 decode failures) are refused with INVALID_ARGUMENT naming `name`.
 */
export function decodeRistretto255Element(text: string, name = 'element'): Ristretto255Element {
  return elementFromBytes(decodeBytes(text, RISTRETTO255_BYTES, name), name);
}

/** Decodes 32 raw bytes into an element, refusing what RFC 9496 §4.3.1 rejects. */
export function elementFromBytes(bytes: Uint8Array, name: string, subject = name): Ristretto255Element {
  try {
    return Point.fromBytes(bytes);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new CohortError(
      'INVALID_ARGUMENT',
      `${name} is not a valid ristretto255 encoding (RFC 9496 §4.3.1 decode fails: ${reason})`,
      { subject, cause },
    );
  }
}

/** Scalars travel as 32 bytes little-endian (the RFC 8032 / RFC 9496 convention). */
export function scalarToBytes(scalar: bigint): Uint8Array {
  const out = new Uint8Array(RISTRETTO255_BYTES);
  let rest = scalar;
  for (let i = 0; i < RISTRETTO255_BYTES; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

export function scalarFromBytes(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] as number);
  return value;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  if (typeof value === 'string' && value.length > 40) return `a string of ${value.length} characters`;
  return formatValue(value);
}
