import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncodedNumber } from '../../../src/crypto/paillier/index.js';
import { CohortError } from '../../../src/errors.js';
import { scalar, vectorPublicKey as key, vectors } from './vectors.js';

describe('EncodedNumber (python-paillier BASE-16 encoding)', () => {
  it('has python-paillier maxInt = n//3 − 1', () => {
    expect(key.maxInt).toBe(BigInt(vectors.key.maxInt));
  });

  it.each(vectors.encode.map((c) => [String(c.value), c] as const))('encodes %s exactly as python-paillier', (_, c) => {
    const options = {
      ...(c.precision === undefined ? {} : { precision: c.precision }),
      ...(c.maxExponent === undefined ? {} : { maxExponent: c.maxExponent }),
    };
    const encoded = EncodedNumber.encode(key, scalar(c), options);
    expect(encoded.exponent).toBe(c.exponent);
    expect(encoded.encoding).toBe(BigInt(c.encoding));
  });

  it('refuses values beyond ±maxInt', () => {
    for (const c of vectors.encodeTooLarge) {
      expect(() => EncodedNumber.encode(key, scalar(c), c.precision === undefined ? {} : { precision: c.precision })).toThrow(/does not fit/);
    }
    expect(() => EncodedNumber.encode(key, Number.NaN)).toThrow(CohortError);
    expect(() => EncodedNumber.encode(key, Number.POSITIVE_INFINITY)).toThrow(CohortError);
  });

  it.each(vectors.decode.map((c) => [`${c.encoding.slice(0, 12)}… e=${c.exponent}`, c] as const))('decodes %s as Python does', (_, c) => {
    const decoded = new EncodedNumber(key, BigInt(c.encoding), c.exponent).decode();
    if (c.kind === 'int') expect(decoded).toBe(BigInt(c.decoded));
    else expect(decoded).toBe(c.decoded);
  });

  it('detects overflow when decoding', () => {
    for (const c of vectors.decodeOverflow) expect(() => new EncodedNumber(key, BigInt(c.encoding), c.exponent).decode()).toThrow(/overflow/);
  });

  it('round-trips every finite double exactly (python-paillier encodes floats without loss)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e150, max: 1e150 }), (x) => {
        const encoded = EncodedNumber.encode(key, x);
        const decoded = encoded.decodeNumber();
        expect(decoded === x || (x === 0 && decoded === 0)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips integers exactly and negatives as n − |m|', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -key.maxInt, max: key.maxInt }), (x) => {
        const encoded = EncodedNumber.encode(key, x);
        expect(encoded.exponent).toBe(0);
        expect(encoded.encoding).toBe(x >= 0n ? x : key.n + x);
        expect(encoded.decode()).toBe(x);
      }),
    );
  });

  it('keeps the value when the exponent is lowered and refuses raising it', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), fc.integer({ min: 0, max: 20 }), (x, drop) => {
        const encoded = EncodedNumber.encode(key, x);
        const lowered = encoded.decreaseExponentTo(encoded.exponent - drop);
        expect(lowered.exponent).toBe(encoded.exponent - drop);
        expect(lowered.decodeNumber()).toBe(encoded.decodeNumber());
      }),
    );
    const encoded = EncodedNumber.encode(key, 3.14);
    expect(() => encoded.decreaseExponentTo(encoded.exponent + 1)).toThrow(CohortError);
  });

  it('agrees with the python-paillier documented precision behaviour', () => {
    // phe/tests/paillier_test.py testManualPrecision0: the decoded value is within the precision.
    const [val, prec] = [3.171234e-7, 1e-8];
    const decoded = EncodedNumber.encode(key, val, { precision: prec }).decodeNumber();
    expect(Math.abs(decoded - val)).toBeLessThanOrEqual(prec);
    // testAutomaticPrecisionAgreesWithEpsilon: automatic precision = precision eps·2^i.
    for (let i = -8; i <= 8; i++) {
      expect(EncodedNumber.encode(key, 2 ** i).exponent).toBe(EncodedNumber.encode(key, 2 ** i, { precision: Number.EPSILON * 2 ** i }).exponent);
    }
  });
});
