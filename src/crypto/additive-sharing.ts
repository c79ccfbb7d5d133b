/**
 * Additive secret sharing: n − 1 uniformly random shares and a last share that makes the sum
 * equal the secret, mod 2^32 (word-wise) or mod a modulus m. Any n − 1 shares are uniform and
 * independent of the secret (Cramer, Damgård & Nielsen, "Secure Multiparty Computation and Secret
 * Sharing", 2015; over Z_{2^32} as in Sharemind, Bogdanov, Laur & Willemson, ESORICS 2008).
 */
import { check, formatValue } from '../errors.js';
import { requireSecure, type RandomSource } from './random.js';

/** `parties` word vectors that sum to `secret` mod 2^32. */
export function additiveSharesUint32(secret: Uint32Array, parties: number, rng?: RandomSource): Uint32Array[] {
  check(secret instanceof Uint32Array, 'secret', typeof secret, 'a Uint32Array');
  check(Number.isInteger(parties) && parties >= 1, 'parties', parties, 'a positive integer');
  const random = requireSecure(rng, 'additive secret shares');
  const last = new Uint32Array(secret);
  const lastView = new Int32Array(last.buffer);
  const shares: Uint32Array[] = [];
  for (let p = 1; p < parties; p++) {
    const share = new Uint32Array(secret.length);
    random.fillBytes(new Uint8Array(share.buffer));
    const view = new Int32Array(share.buffer);
    for (let i = 0; i < view.length; i++) lastView[i] = ((lastView[i] as number) - (view[i] as number)) | 0;
    shares.push(share);
  }
  shares.push(last);
  return shares;
}

/** Σ shares mod 2^32, word-wise; all shares must have one length. */
export function combineAdditiveUint32(shares: readonly Uint32Array[]): Uint32Array {
  check(Array.isArray(shares) && shares.length >= 1, 'shares', Array.isArray(shares) ? `${shares.length} shares` : typeof shares, 'a non-empty array of Uint32Array');
  const length = (shares[0] as Uint32Array).length;
  const sum = new Uint32Array(length);
  const view = new Int32Array(sum.buffer);
  shares.forEach((share, index) => {
    check(share instanceof Uint32Array && share.length === length, `shares[${index}]`, share instanceof Uint32Array ? `length ${share.length}` : typeof share, `a Uint32Array of length ${length} like shares[0]`);
    const words = new Int32Array(share.buffer, share.byteOffset, share.length);
    for (let i = 0; i < length; i++) view[i] = ((view[i] as number) + (words[i] as number)) | 0;
  });
  return sum;
}

/** `parties` integers in [0, modulus) that sum to `secret` mod `modulus`. */
export function additiveSharesModP(secret: bigint, parties: number, modulus: bigint, rng?: RandomSource): bigint[] {
  check(typeof modulus === 'bigint' && modulus >= 2n, 'modulus', modulus, 'a bigint of at least 2');
  check(typeof secret === 'bigint' && secret >= 0n && secret < modulus, 'secret', secret, `a bigint in [0, ${formatValue(modulus)})`);
  check(Number.isInteger(parties) && parties >= 1, 'parties', parties, 'a positive integer');
  const random = requireSecure(rng, 'additive secret shares');
  const shares: bigint[] = [];
  let last = secret;
  for (let p = 1; p < parties; p++) {
    const share = random.uniformBigInt(modulus);
    shares.push(share);
    last = (last - share) % modulus;
  }
  shares.push(last < 0n ? last + modulus : last);
  return shares;
}

/** Σ shares mod `modulus`. */
export function combineAdditiveModP(shares: readonly bigint[], modulus: bigint): bigint {
  check(typeof modulus === 'bigint' && modulus >= 2n, 'modulus', modulus, 'a bigint of at least 2');
  check(Array.isArray(shares) && shares.length >= 1, 'shares', Array.isArray(shares) ? `${shares.length} shares` : typeof shares, 'a non-empty array of bigint');
  let sum = 0n;
  shares.forEach((share, index) => {
    check(typeof share === 'bigint' && share >= 0n && share < modulus, `shares[${index}]`, share, `a bigint in [0, ${formatValue(modulus)})`);
    sum = (sum + share) % modulus;
  });
  return sum;
}
