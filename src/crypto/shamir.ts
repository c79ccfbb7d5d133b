/**
 * Shamir secret sharing (Shamir, "How to share a secret", CACM 1979) over the prime field
 * F_p with p = SHAMIR_PRIME = 2^256 + 297, the smallest prime above 2^256, so every 32-byte
 * secret (X25519 private keys, PRG seeds) is a field element. A (t, n) split draws
 * f(x) = s + a_1·x + … + a_{t−1}·x^{t−1} with a_i uniform in F_p and hands out (x, f(x));
 * any t shares determine s by Lagrange interpolation at 0, and any t − 1 shares are uniformly
 * distributed whatever s is (perfect secrecy).
 */
import { CohortError, check, formatValue } from '../errors.js';
import { bigintToBytes, bytesToBigint } from './bigint/bytes.js';
import { checkBytes } from './check-bytes.js';
import { lagrangeAtZero, polynomialAt } from './prime-field.js';
import { requireSecure, type RandomSource } from './random.js';

/** 2^256 + 297: prime (checked by Miller–Rabin in the tests) and the smallest prime above 2^256. */
export const SHAMIR_PRIME: bigint = (1n << 256n) + 297n;
/** Largest share abscissa: x fits in the 2-byte field of the share encoding. */
export const SHAMIR_MAX_X = 65535;
/** Bytes of a secret that `shamirSplitBytes` accepts. */
export const SHAMIR_MAX_SECRET_BYTES = 32;
/** Encoded share: x as 2 bytes big-endian, then y as 33 bytes big-endian (y < p < 2^257). */
export const SHAMIR_SHARE_BYTES = 35;
const Y_BYTES = 33;

export interface ShamirShare {
  /** The abscissa, an integer in [1, 65535]. */
  readonly x: number;
  /** f(x), in [0, SHAMIR_PRIME). */
  readonly y: bigint;
}

/** Shares of `secret` ∈ [0, p) at the distinct abscissae `xs`; any `threshold` of them reconstruct it. */
export function shamirSplit(secret: bigint, threshold: number, xs: readonly number[], rng?: RandomSource): ShamirShare[] {
  return shamirSplitInField(secret, threshold, xs, SHAMIR_PRIME, rng);
}

/** The secret from at least `threshold` shares with distinct x (the first `threshold` are used). */
export function shamirCombine(shares: readonly ShamirShare[], threshold: number): bigint {
  return shamirCombineInField(shares, threshold, SHAMIR_PRIME);
}

/** Shares of a ≤ 32-byte secret read as a big-endian integer. */
export function shamirSplitBytes(secret: Uint8Array, threshold: number, xs: readonly number[], rng?: RandomSource): ShamirShare[] {
  checkBytes(secret, 'secret', (n) => n <= SHAMIR_MAX_SECRET_BYTES, `at most ${SHAMIR_MAX_SECRET_BYTES} bytes`);
  return shamirSplit(bytesToBigint(secret), threshold, xs, rng);
}

/** The `length`-byte secret from shares made by `shamirSplitBytes`. */
export function shamirCombineBytes(shares: readonly ShamirShare[], threshold: number, length: number): Uint8Array {
  check(Number.isInteger(length) && length >= 1 && length <= SHAMIR_MAX_SECRET_BYTES, 'length', length, `an integer in [1, ${SHAMIR_MAX_SECRET_BYTES}]`);
  const secret = shamirCombine(shares, threshold);
  if (secret >> BigInt(8 * length) !== 0n) {
    throw new CohortError('INVALID_DATA', `the shares reconstruct a value wider than length = ${length} bytes: they are inconsistent, corrupted or from another secret`, { subject: 'shares' });
  }
  return bigintToBytes(secret, length);
}

/** The fixed-width 35-byte encoding of a share. */
export function encodeShamirShare(share: ShamirShare): Uint8Array {
  checkShare(share, SHAMIR_PRIME, 'share');
  const out = new Uint8Array(SHAMIR_SHARE_BYTES);
  out[0] = share.x >>> 8;
  out[1] = share.x & 0xff;
  out.set(bigintToBytes(share.y, Y_BYTES), 2);
  return out;
}

/** Decodes a 35-byte share; INVALID_DATA for a wrong length, x = 0 or y ≥ p. */
export function decodeShamirShare(bytes: Uint8Array): ShamirShare {
  if (!(bytes instanceof Uint8Array) || bytes.length !== SHAMIR_SHARE_BYTES) {
    throw new CohortError('INVALID_DATA', `an encoded Shamir share must be ${SHAMIR_SHARE_BYTES} bytes (got ${bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes})`, { subject: 'bytes' });
  }
  const x = ((bytes[0] as number) << 8) | (bytes[1] as number);
  const y = bytesToBigint(bytes.subarray(2));
  if (x === 0) throw new CohortError('INVALID_DATA', 'an encoded Shamir share has x = 0, which would be the secret itself', { subject: 'bytes' });
  if (y >= SHAMIR_PRIME) throw new CohortError('INVALID_DATA', `an encoded Shamir share has y = ${formatValue(y)} ≥ SHAMIR_PRIME`, { subject: 'bytes' });
  return { x, y };
}

/**
 * `shamirSplit` over an arbitrary prime field F_prime (the caller vouches that `prime` is prime).
 * Exposed so tests can check secrecy exhaustively over a tiny field with the same code.
 */
export function shamirSplitInField(secret: bigint, threshold: number, xs: readonly number[], prime: bigint, rng?: RandomSource): ShamirShare[] {
  check(typeof prime === 'bigint' && prime >= 3n, 'prime', prime, 'a prime bigint of at least 3');
  check(typeof secret === 'bigint' && secret >= 0n && secret < prime, 'secret', secret, `a bigint in [0, ${formatValue(prime)})`);
  check(Array.isArray(xs) && xs.length >= 1, 'xs', xs, 'a non-empty array of share abscissae');
  check(Number.isInteger(threshold) && threshold >= 1 && threshold <= xs.length, 'threshold', threshold, `an integer in [1, ${xs.length}] (the number of shares)`);
  const seen = new Set<number>();
  for (const x of xs) {
    checkAbscissa(x, prime, 'xs');
    if (seen.has(x)) throw new CohortError('INVALID_ARGUMENT', `xs must be distinct (got [${xs.join(', ')}], where x = ${x} appears twice)`, { subject: 'xs' });
    seen.add(x);
  }
  const random = requireSecure(rng, 'Shamir polynomial coefficients');
  const coefficients: bigint[] = [secret];
  for (let i = 1; i < threshold; i++) coefficients.push(random.uniformBigInt(prime));
  const shares = xs.map((x) => ({ x, y: polynomialAt(coefficients, BigInt(x), prime) }));
  coefficients.fill(0n); // drop the references (bigints themselves cannot be wiped)
  return shares;
}

/** `shamirCombine` over an arbitrary prime field F_prime. */
export function shamirCombineInField(shares: readonly ShamirShare[], threshold: number, prime: bigint): bigint {
  check(typeof prime === 'bigint' && prime >= 3n, 'prime', prime, 'a prime bigint of at least 3');
  check(Number.isInteger(threshold) && threshold >= 1, 'threshold', threshold, 'a positive integer');
  check(Array.isArray(shares), 'shares', shares, 'an array of Shamir shares');
  if (shares.length < threshold) {
    throw new CohortError('INVALID_ARGUMENT', `shares must number at least threshold = ${threshold} (got ${shares.length} shares)`, { subject: 'shares' });
  }
  const seen = new Set<number>();
  for (const share of shares) {
    checkShare(share, prime, 'shares');
    if (seen.has(share.x)) throw new CohortError('INVALID_ARGUMENT', `shares must have distinct x (got two shares with x = ${share.x})`, { subject: 'shares' });
    seen.add(share.x);
  }
  return lagrangeAtZero(
    shares.slice(0, threshold).map((s) => ({ x: BigInt(s.x), y: s.y })),
    prime,
  );
}

function checkAbscissa(x: unknown, prime: bigint, name: string): void {
  const max = prime - 1n < BigInt(SHAMIR_MAX_X) ? Number(prime - 1n) : SHAMIR_MAX_X;
  check(Number.isInteger(x) && (x as number) >= 1 && (x as number) <= max, name, x, `share abscissae that are integers in [1, ${max}]`);
}

function checkShare(share: ShamirShare, prime: bigint, name: string): void {
  check(typeof share === 'object' && share !== null, name, share, 'Shamir shares {x, y}');
  checkAbscissa(share.x, prime, name);
  check(typeof share.y === 'bigint' && share.y >= 0n && share.y < prime, name, share.y, `shares with y a bigint in [0, ${formatValue(prime)})`);
}
