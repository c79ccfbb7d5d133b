/**
 * Probable primes: trial division by the primes below 2048, then Miller–Rabin with random bases
 * (FIPS 186-5 Appendix B.3.1). Random primes are searched incrementally from a random odd start
 * with a sieve over the small primes (HAC §4.4.1, Note 4.51), so most candidates never reach
 * Miller–Rabin.
 */
import { CohortError, check } from '../../errors.js';
import { requireSecure, type RandomSource } from '../random.js';
import { bitLength } from './arithmetic.js';
import { modPow } from './modpow.js';

/** The primes below 2048 (sieve of Eratosthenes). */
export const SMALL_PRIMES: readonly number[] = (() => {
  const limit = 2048;
  const composite = new Uint8Array(limit);
  const primes: number[] = [];
  for (let i = 2; i < limit; i++) {
    if (composite[i]) continue;
    primes.push(i);
    for (let j = i * i; j < limit; j += i) composite[j] = 1;
  }
  return primes;
})();

const SMALL_PRIME_BIGINTS = SMALL_PRIMES.map(BigInt);

/**
 * Miller–Rabin rounds for a randomly generated candidate of `bits` bits.
 * FIPS 186-5 Table B.1 (probable primes p, q for RSA): 1024-bit primes (2048-bit modulus) need
 * 5 rounds for error ≤ 2^-112; 1536-bit primes (3072-bit modulus) need 4 rounds for ≤ 2^-128.
 * Smaller sizes (test keys) take 40 rounds: ≤ 4^-40 = 2^-80 even for adversarial input
 * (Rabin 1980), and the cost is negligible there.
 */
export function millerRabinRounds(bits: number): number {
  check(Number.isInteger(bits) && bits >= 2, 'bits', bits, 'an integer of at least 2');
  if (bits >= 1536) return 4;
  if (bits >= 1024) return 5;
  return 40;
}

export interface PrimalityOptions {
  /** Miller–Rabin rounds; default 40 (error ≤ 2^-80 for any input). */
  readonly rounds?: number;
  /** Source of the random bases; the CSPRNG unless a test injects a seeded one. */
  readonly rng?: RandomSource;
}

/** True if n passes trial division and `rounds` Miller–Rabin rounds with random bases. */
export function isProbablePrime(n: bigint, options: PrimalityOptions = {}): boolean {
  const rounds = options.rounds ?? 40;
  check(Number.isInteger(rounds) && rounds >= 1, 'rounds', rounds, 'a positive integer');
  if (n < 2n) return false;
  for (const p of SMALL_PRIME_BIGINTS) {
    if (n === p) return true;
    if (n % p === 0n) return false;
  }
  return millerRabin(n, rounds, requireSecure(options.rng, 'Miller–Rabin bases'));
}

/**
 * Miller–Rabin (FIPS 186-5 B.3.1) on an odd n > 3: write n − 1 = 2^s·d; n passes a round with base
 * a when a^d ≡ 1 or a^(2^j·d) ≡ −1 (mod n) for some j < s.
 */
export function millerRabin(n: bigint, rounds: number, rng: RandomSource): boolean {
  check(n > 3n && (n & 1n) === 1n, 'n', n, 'an odd integer greater than 3');
  const nMinusOne = n - 1n;
  let d = nMinusOne;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  for (let round = 0; round < rounds; round++) {
    const base = 2n + rng.uniformBigInt(n - 3n); // uniform in [2, n − 2]
    let x = modPow(base, d, n);
    if (x === 1n || x === nMinusOne) continue;
    let witness = true;
    for (let j = 1; j < s; j++) {
      x = (x * x) % n;
      if (x === nMinusOne) {
        witness = false;
        break;
      }
      if (x === 1n) break;
    }
    if (witness) return false;
  }
  return true;
}

/** A uniform integer in [0, 2^bits). */
export function randomBits(bits: number, rng: RandomSource): bigint {
  check(Number.isInteger(bits) && bits >= 1, 'bits', bits, 'a positive integer');
  const bytes = new Uint8Array(Math.ceil(bits / 8));
  rng.fillBytes(bytes);
  let x = 0n;
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  x = BigInt(`0x${hex}`);
  return x >> BigInt(bytes.length * 8 - bits);
}

export interface PrimeOptions {
  readonly rng?: RandomSource;
  /** Miller–Rabin rounds; default `millerRabinRounds(bits)`. */
  readonly rounds?: number;
}

/** Candidates scanned from one random start before drawing a new start. */
const SCAN_LIMIT = 1 << 16;

/**
 * A random probable prime of exactly `bits` bits whose two top bits are set, so that the product
 * of two such primes has exactly 2·bits bits.
 */
export function randomPrime(bits: number, options: PrimeOptions = {}): bigint {
  check(Number.isInteger(bits) && bits >= 16, 'bits', bits, 'an integer of at least 16');
  const rng = requireSecure(options.rng, 'prime generation');
  const rounds = options.rounds ?? millerRabinRounds(bits);
  const primes = sievePrimes(bits);
  for (;;) {
    const start = randomBits(bits, rng) | (3n << BigInt(bits - 2)) | 1n;
    const residues = primes.map((p) => Number(start % BigInt(p)));
    for (let delta = 0; delta < SCAN_LIMIT; delta += 2) {
      if (!survivesSieve(residues, primes, delta)) continue;
      const candidate = start + BigInt(delta);
      if (bitLength(candidate) !== bits) break;
      if (millerRabin(candidate, rounds, rng)) return candidate;
    }
  }
}

/**
 * A random safe prime p = 2p' + 1 (p' prime) of exactly `bits` bits with its two top bits set.
 * p' is sieved together with p, filtered by a base-2 Fermat test on both, then given the full
 * Miller–Rabin rounds; p is then prime by Pocklington's criterion (p' > √p, 2^(p−1) ≡ 1 mod p,
 * gcd(2² − 1, p) = 1), Crandall & Pomerance, Prime Numbers, Thm 4.1.3.
 */
export function randomSafePrime(bits: number, options: PrimeOptions = {}): bigint {
  check(Number.isInteger(bits) && bits >= 16, 'bits', bits, 'an integer of at least 16');
  const rng = requireSecure(options.rng, 'safe-prime generation');
  const rounds = options.rounds ?? millerRabinRounds(bits - 1);
  const primes = sievePrimes(bits).filter((p) => p !== 2);
  for (;;) {
    // p' has bits − 1 bits, top two set and odd, so p = 2p' + 1 ≡ 3 (mod 4) has the same top bits.
    const start = randomBits(bits - 1, rng) | (3n << BigInt(bits - 3)) | 1n;
    const residues = primes.map((p) => Number(start % BigInt(p)));
    for (let delta = 0; delta < SCAN_LIMIT; delta += 2) {
      if (!survivesSafeSieve(residues, primes, delta)) continue;
      const half = start + BigInt(delta);
      const candidate = 2n * half + 1n;
      if (bitLength(candidate) !== bits) break;
      if (modPow(2n, half - 1n, half) !== 1n) continue;
      if (modPow(2n, candidate - 1n, candidate) !== 1n) continue;
      if (millerRabin(half, rounds, rng)) return candidate;
    }
  }
}

function sievePrimes(bits: number): number[] {
  // Only primes well below the candidates, so a small prime is never sieved out as composite.
  const maxPrime = bits >= 24 ? 2048 : 1 << Math.floor(bits / 2);
  return SMALL_PRIMES.filter((p) => p < maxPrime);
}

function survivesSieve(residues: readonly number[], primes: readonly number[], delta: number): boolean {
  for (let i = 0; i < primes.length; i++) {
    if (((residues[i] as number) + delta) % (primes[i] as number) === 0) return false;
  }
  return true;
}

function survivesSafeSieve(residues: readonly number[], primes: readonly number[], delta: number): boolean {
  for (let i = 0; i < primes.length; i++) {
    const p = primes[i] as number;
    const r = ((residues[i] as number) + delta) % p;
    // p' ≡ 0 makes p' composite; p' ≡ (p − 1)/2 makes 2p' + 1 ≡ 0.
    if (r === 0 || r === (p - 1) / 2) return false;
  }
  return true;
}

/** Thrown by callers that need a prime and were handed something else. */
export function notPrimeError(name: string, value: bigint): CohortError {
  return new CohortError('INVALID_ARGUMENT', `${name} must be a prime (got a composite ${bitLength(value)}-bit number)`, { subject: name });
}
