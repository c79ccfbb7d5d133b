/**
 * Signed integers and floats as Paillier plaintexts, exactly as python-paillier's
 * `phe.encoding.EncodedNumber` does it (BASE = 16):
 *   value = mantissa · 16^exponent, mantissa stored as m mod n,
 *   0 ≤ m ≤ maxInt is positive, n − maxInt ≤ m < n is negative, anything between is overflow,
 *   maxInt = ⌊n/3⌋ − 1 (phe.paillier.PaillierPublicKey.max_int).
 * A JS `number` behaves as a Python float (its exponent follows from its binary exponent so that
 * no precision is lost); a `bigint` behaves as a Python int (exponent 0).
 */
import { CohortError, check } from '../../errors.js';
import { mod } from '../bigint/arithmetic.js';
import { decomposeDouble, frexpExponent, ratioPowerOfTwoToNumber, roundDivideHalfEven, roundShiftHalfEven } from './float-bits.js';

export const ENCODING_BASE = 16;
const LOG2_BASE = 4;
const FLOAT_MANTISSA_BITS = 53;

/** What an encoding needs of a public key. */
export interface EncodingKey {
  readonly n: bigint;
  readonly maxInt: bigint;
}

export interface EncodeOptions {
  /** Pick the exponent so that this absolute precision is kept (python-paillier's `precision`). */
  readonly precision?: number;
  /** The exponent is at most this (python-paillier's `max_exponent`). */
  readonly maxExponent?: number;
}

export class EncodedNumber {
  readonly publicKey: EncodingKey;
  /** The mantissa mod n. */
  readonly encoding: bigint;
  readonly exponent: number;

  constructor(publicKey: EncodingKey, encoding: bigint, exponent: number) {
    check(encoding >= 0n && encoding < publicKey.n, 'encoding', encoding, 'in [0, n)');
    check(Number.isSafeInteger(exponent), 'exponent', exponent, 'a safe integer');
    this.publicKey = publicKey;
    this.encoding = encoding;
    this.exponent = exponent;
  }

  /** Encode a float (`number`) or an integer (`bigint`) — phe.encoding.EncodedNumber.encode. */
  static encode(publicKey: EncodingKey, scalar: number | bigint, options: EncodeOptions = {}): EncodedNumber {
    let precisionExponent: number;
    if (options.precision !== undefined) {
      const precision = options.precision;
      check(Number.isFinite(precision) && precision > 0, 'precision', precision, 'a positive finite number');
      // math.floor(math.log(precision, BASE)); Python computes log(x)/log(base).
      precisionExponent = Math.floor(Math.log(precision) / Math.log(ENCODING_BASE));
    } else if (typeof scalar === 'bigint') {
      precisionExponent = 0;
    } else {
      check(Number.isFinite(scalar), 'value', scalar, 'a finite number');
      // Base-16 exponent of the float's least significant bit, rounded down.
      const lsbExponent = frexpExponent(scalar) - FLOAT_MANTISSA_BITS;
      precisionExponent = Math.floor(lsbExponent / LOG2_BASE);
    }
    let exponent = precisionExponent;
    if (options.maxExponent !== undefined) {
      check(Number.isSafeInteger(options.maxExponent), 'maxExponent', options.maxExponent, 'a safe integer');
      exponent = Math.min(options.maxExponent, precisionExponent);
    }
    const intRep = scaledRound(scalar, exponent);
    const magnitude = intRep < 0n ? -intRep : intRep;
    if (magnitude > publicKey.maxInt) {
      throw new CohortError(
        'INVALID_ARGUMENT',
        `value ${String(scalar)} does not fit: its integer representation at exponent ${exponent} must be within ±maxInt (${publicKey.maxInt.toString(2).length} bits) but has ${magnitude.toString(2).length} bits`,
        { subject: 'value' },
      );
    }
    return new EncodedNumber(publicKey, mod(intRep, publicKey.n), exponent);
  }

  /** The signed mantissa; throws on a corrupted encoding or a detected overflow. */
  mantissa(): bigint {
    const { n, maxInt } = this.publicKey;
    if (this.encoding <= maxInt) return this.encoding;
    if (this.encoding >= n - maxInt) return this.encoding - n;
    throw new CohortError('INVALID_DATA', 'overflow detected in the decrypted number (it lies between maxInt and n − maxInt)', {
      subject: 'ciphertext',
    });
  }

  /**
   * The value: a bigint when exponent ≥ 0 (exact, as Python returns an int), otherwise the double
   * nearest to mantissa / 16^−exponent (as Python's int / int).
   */
  decode(): number | bigint {
    const mantissa = this.mantissa();
    if (this.exponent >= 0) return mantissa * 16n ** BigInt(this.exponent);
    return ratioPowerOfTwoToNumber(mantissa, -this.exponent * LOG2_BASE);
  }

  /** `decode()` as a number (integers converted with Number()). */
  decodeNumber(): number {
    const value = this.decode();
    return typeof value === 'bigint' ? Number(value) : value;
  }

  /** Same value at a lower exponent: encoding · 16^(exponent − newExponent) mod n. */
  decreaseExponentTo(newExponent: number): EncodedNumber {
    check(Number.isSafeInteger(newExponent) && newExponent <= this.exponent, 'newExponent', newExponent, `an integer no greater than the current exponent ${this.exponent}`);
    const factor = 16n ** BigInt(this.exponent - newExponent);
    return new EncodedNumber(this.publicKey, (this.encoding * factor) % this.publicKey.n, newExponent);
  }
}

/** round(Fraction(scalar) · 16^−exponent), ties to even. */
function scaledRound(scalar: number | bigint, exponent: number): bigint {
  if (typeof scalar === 'bigint') {
    if (exponent <= 0) return scalar * 16n ** BigInt(-exponent);
    return roundDivideHalfEven(scalar, 16n ** BigInt(exponent));
  }
  const { mantissa, exponent: binaryExponent } = decomposeDouble(scalar);
  // scalar · 2^(−4·exponent) = mantissa · 2^(binaryExponent − 4·exponent)
  return roundShiftHalfEven(mantissa, -(binaryExponent - LOG2_BASE * exponent));
}
