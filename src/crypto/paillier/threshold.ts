/**
 * t-of-ℓ threshold Paillier with a trusted dealer: Damgård & Jurik, "A generalisation, a
 * simplification and some applications of Paillier's probabilistic public-key system", PKC 2001,
 * §4 with s = 1 (after Shoup, "Practical threshold signatures", EUROCRYPT 2000).
 *
 * Dealer: safe primes p = 2p' + 1, q = 2q' + 1, n = pq, m = p'q'; d with d ≡ 0 (mod m) and
 * d ≡ 1 (mod n); f(X) = d + Σ_{i=1}^{t−1} a_i X^i over Z_{n·m} with a_i uniform; share s_i = f(i).
 * Partial decryption (party i): c_i = c^(2Δ·s_i) mod n², Δ = ℓ!.
 * Combination (any set S of t parties): c' = Π_{i∈S} c_i^(2μ_i) mod n² with the integer
 * μ_i = Δ · Π_{j∈S, j≠i} j / (j − i); then c' = c^(4Δ²d) = (1 + n)^(4Δ²·M) and
 * M = L(c') · (4Δ²)⁻¹ mod n, L(x) = (x − 1)/n.
 * Fewer than t shares interpolate a different polynomial value and give garbage; `combine`
 * refuses them. No proofs of correct partial decryption (a dishonest party can spoil the result
 * undetected) — see docs/paillier.md.
 */
import { CohortError, check } from '../../errors.js';
import { mod, modInverse } from '../bigint/arithmetic.js';
import { base64urlToBigint, bigintToBase64url } from '../bigint/bytes.js';
import { modPow } from '../bigint/modpow.js';
import { randomSafePrime } from '../bigint/primes.js';
import { requireSecure, type RandomSource } from '../random.js';
import { EncodedNumber } from './encoding.js';
import type { EncryptedNumber } from './encrypted-number.js';
import { PaillierPublicKey } from './public-key.js';

export interface PartialDecryption {
  /** The party's index i in [1, parties]. */
  readonly index: number;
  readonly value: bigint;
}

/** The public side of a threshold key: who may combine, and how. */
export class ThresholdPublicParameters {
  readonly publicKey: PaillierPublicKey;
  readonly parties: number;
  readonly threshold: number;
  /** Δ = parties! */
  readonly delta: bigint;
  private readonly combineInverse: bigint;

  constructor(publicKey: PaillierPublicKey, parties: number, threshold: number) {
    check(Number.isInteger(parties) && parties >= 2 && parties <= 64, 'parties', parties, 'an integer in [2, 64]');
    check(Number.isInteger(threshold) && threshold >= 1 && threshold <= parties, 'threshold', threshold, `an integer in [1, parties = ${parties}]`);
    this.publicKey = publicKey;
    this.parties = parties;
    this.threshold = threshold;
    let delta = 1n;
    for (let i = 2n; i <= BigInt(parties); i++) delta *= i;
    this.delta = delta;
    this.combineInverse = modInverse(4n * delta * delta, publicKey.n);
  }

  /**
   * The plaintext in [0, n) from the partial decryptions of at least `threshold` distinct parties
   * (the first `threshold` distinct ones are used). Refuses fewer.
   */
  combine(partials: readonly PartialDecryption[]): bigint {
    const chosen = new Map<number, bigint>();
    for (const partial of partials) {
      check(Number.isInteger(partial.index) && partial.index >= 1 && partial.index <= this.parties, 'partial.index', partial.index, `an integer in [1, ${this.parties}]`);
      check(typeof partial.value === 'bigint' && partial.value > 0n && partial.value < this.publicKey.nSquared, 'partial.value', partial.value, 'an integer in (0, n²)');
      if (!chosen.has(partial.index) && chosen.size < this.threshold) chosen.set(partial.index, partial.value);
    }
    if (chosen.size < this.threshold) {
      throw new CohortError(
        'INVALID_ARGUMENT',
        `threshold decryption needs partial decryptions from ${this.threshold} distinct parties (got ${chosen.size})`,
        { subject: 'partials' },
      );
    }
    return this.combineUnchecked([...chosen].map(([index, value]) => ({ index, value })));
  }

  /**
   * Lagrange combination over exactly the given parties, without the threshold check: with fewer
   * than `threshold` of them the result is not the plaintext. Exposed for tests of that fact.
   */
  combineUnchecked(partials: readonly PartialDecryption[]): bigint {
    const { n, nSquared } = this.publicKey;
    const indices = partials.map((p) => BigInt(p.index));
    let combined = 1n;
    partials.forEach((partial, k) => {
      const i = indices[k] as bigint;
      let numerator = this.delta;
      let denominator = 1n;
      for (const j of indices) {
        if (j === i) continue;
        numerator *= j;
        denominator *= j - i;
      }
      const mu = numerator / denominator; // exact: Δ·λ_i is an integer (Shoup 2000, Lemma 1)
      combined = (combined * modPow(partial.value, 2n * mu, nSquared)) % nSquared;
    });
    return mod(((combined - 1n) / n) * this.combineInverse, n);
  }

  /** RawDecryptor adapter for packed vectors: partial decryptions are supplied per ciphertext. */
  decryptEncoded(encrypted: EncryptedNumber, partials: readonly PartialDecryption[]): EncodedNumber {
    if (!encrypted.publicKey.equals(this.publicKey)) {
      throw new CohortError('INVALID_ARGUMENT', 'the number was encrypted under a different public key', { subject: 'encrypted' });
    }
    return new EncodedNumber(this.publicKey, this.combine(partials), encrypted.exponent);
  }
}

/** One party's secret share s_i of d. */
export class ThresholdKeyShare {
  readonly parameters: ThresholdPublicParameters;
  readonly index: number;
  private readonly secret: bigint;

  constructor(parameters: ThresholdPublicParameters, index: number, secret: bigint) {
    check(Number.isInteger(index) && index >= 1 && index <= parameters.parties, 'index', index, `an integer in [1, ${parameters.parties}]`);
    check(typeof secret === 'bigint' && secret >= 0n, 'secret', '(hidden)', 'a non-negative bigint');
    this.parameters = parameters;
    this.index = index;
    this.secret = secret;
  }

  /** c_i = c^(2Δ·s_i) mod n². */
  partialDecrypt(ciphertext: bigint): PartialDecryption {
    const { nSquared } = this.parameters.publicKey;
    check(typeof ciphertext === 'bigint' && ciphertext > 0n && ciphertext < nSquared, 'ciphertext', ciphertext, 'an integer in (0, n²)');
    return { index: this.index, value: modPow(ciphertext, 2n * this.parameters.delta * this.secret, nSquared) };
  }

  toJson(): ThresholdKeyShareJson {
    const { publicKey, parties, threshold } = this.parameters;
    return { kty: 'DAJ-THRESHOLD', n: bigintToBase64url(publicKey.n), parties, threshold, index: this.index, share: this.secret === 0n ? '' : bigintToBase64url(this.secret) };
  }

  static fromJson(json: ThresholdKeyShareJson): ThresholdKeyShare {
    if (json.kty !== 'DAJ-THRESHOLD') throw new CohortError('INVALID_DATA', 'invalid key share: "kty" must be "DAJ-THRESHOLD"', { subject: 'key share' });
    const parameters = new ThresholdPublicParameters(new PaillierPublicKey(base64urlToBigint(json.n, 'key share "n"')), json.parties, json.threshold);
    return new ThresholdKeyShare(parameters, json.index, json.share === '' ? 0n : base64urlToBigint(json.share, 'key share "share"'));
  }
}

export interface ThresholdKeyShareJson {
  readonly kty: 'DAJ-THRESHOLD';
  readonly n: string;
  readonly parties: number;
  readonly threshold: number;
  readonly index: number;
  readonly share: string;
}

export interface ThresholdDealOptions {
  /** Bit length of n (even, ≥ 128). 2048 takes minutes of safe-prime search in JS; see the docs. */
  readonly bits: number;
  readonly parties: number;
  readonly threshold: number;
  readonly rng?: RandomSource;
  /** Reuse given safe primes (tests); both must be safe primes of bits/2 bits. */
  readonly safePrimes?: readonly [bigint, bigint];
}

export interface ThresholdKey {
  readonly parameters: ThresholdPublicParameters;
  readonly shares: readonly ThresholdKeyShare[];
}

/** The trusted dealer: draws the key, shares d, forgets everything but the shares. */
export function dealThresholdKey(options: ThresholdDealOptions): ThresholdKey {
  const { bits, parties, threshold } = options;
  check(Number.isInteger(bits) && bits >= 128 && bits % 2 === 0, 'bits', bits, 'an even integer of at least 128');
  const rng = requireSecure(options.rng, 'threshold key dealing');
  let p: bigint;
  let q: bigint;
  if (options.safePrimes !== undefined) {
    [p, q] = options.safePrimes;
  } else {
    p = randomSafePrime(bits / 2, { rng });
    do q = randomSafePrime(bits / 2, { rng });
    while (q === p);
  }
  check(p !== q && (p & 3n) === 3n && (q & 3n) === 3n, 'safePrimes', `${p}, ${q}`, 'two distinct safe primes');
  const n = p * q;
  const publicKey = new PaillierPublicKey(n);
  const parameters = new ThresholdPublicParameters(publicKey, parties, threshold);
  const m = ((p - 1n) / 2n) * ((q - 1n) / 2n);
  const nm = n * m;
  // d ≡ 0 (mod m), d ≡ 1 (mod n): d = m · (m⁻¹ mod n).
  const d = m * modInverse(m, n);
  const coefficients = [d];
  for (let i = 1; i < threshold; i++) coefficients.push(rng.uniformBigInt(nm));
  const shares: ThresholdKeyShare[] = [];
  for (let index = 1; index <= parties; index++) {
    let value = 0n;
    const x = BigInt(index);
    for (let k = coefficients.length - 1; k >= 0; k--) value = (value * x + (coefficients[k] as bigint)) % nm; // Horner
    shares.push(new ThresholdKeyShare(parameters, index, value));
  }
  return { parameters, shares };
}
