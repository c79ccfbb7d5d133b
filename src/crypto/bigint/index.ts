/** Big-integer maths on native bigint: modular arithmetic, exponentiation, primes, encodings. */
export { mod, bitLength, gcd, lcm, modInverse, Crt2, crt, isqrt } from './arithmetic.js';
export { modPow, modPowBinary, windowWidth } from './modpow.js';
export { FixedBaseTable } from './fixed-base.js';
export {
  SMALL_PRIMES,
  millerRabinRounds,
  isProbablePrime,
  millerRabin,
  randomBits,
  randomPrime,
  randomSafePrime,
  type PrimalityOptions,
  type PrimeOptions,
} from './primes.js';
export { bigintToBytes, bytesToBigint, base64urlEncode, base64urlDecode, bigintToBase64url, base64urlToBigint } from './bytes.js';
