import { ED25519_TORSION_SUBGROUP, ed25519, ristretto255 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/crypto/random.js';
import { classKeys } from '../../../src/crypto/elgamal/discrete-log.js';
import {
  MAX_DISCRETE_LOG_TABLE_SIZE,
  clearDiscreteLogTables,
  randomRistretto255Element,
  ristretto255DiscreteLog,
  ristretto255FromExponent,
  ristretto255Generator,
  ristretto255Identity,
} from '../../../src/crypto/elgamal/index.js';
import { expectCohortError } from './helpers.js';

const B = ristretto255Generator();
const edwardsOf = (element: InstanceType<typeof ristretto255.Point>) => ed25519.Point.fromAffine(element.toAffine());

/** Every element v·B for v in [from, to), by repeated addition (independent of the code under test). */
function multiples(from: number, to: number) {
  const out = [];
  let element = ristretto255FromExponent(from);
  for (let v = from; v < to; v++) {
    out.push({ value: v, element });
    element = element.add(B);
  }
  return out;
}

describe('baby-step giant-step discrete logarithm', () => {
  it('finds every value in [0, bound) and refuses bound, bound + 1 and −1', () => {
    const bound = 1000;
    for (const { value, element } of multiples(0, bound)) {
      expect(ristretto255DiscreteLog(element, { bound })).toBe(value);
    }
    for (const outside of [bound, bound + 1, -1, 3 * bound]) {
      expectCohortError(() => ristretto255DiscreteLog(ristretto255FromExponent(outside), { bound }), 'PLAINTEXT_OUT_OF_RANGE', 'bound');
    }
  });

  it('finds every value in (−bound, bound) with allowNegative and refuses ±bound', () => {
    const bound = 500;
    for (const { value, element } of multiples(-(bound - 1), bound)) {
      expect(ristretto255DiscreteLog(element, { bound, allowNegative: true })).toBe(value);
    }
    for (const outside of [bound, -bound, 5000, -5000]) {
      expectCohortError(() => ristretto255DiscreteLog(ristretto255FromExponent(outside), { bound, allowNegative: true }), 'PLAINTEXT_OUT_OF_RANGE', 'bound');
    }
  });

  it('gives the same answers for any table size, including 1 and tables larger than the range', () => {
    const bound = 50;
    for (const tableSize of [1, 2, 3, 7, 8, 49, 50, 51, 1000]) {
      for (const { value, element } of multiples(-(bound - 1), bound)) {
        expect(ristretto255DiscreteLog(element, { bound, allowNegative: true, tableSize }), `tableSize ${tableSize}`).toBe(value);
      }
      expectCohortError(() => ristretto255DiscreteLog(ristretto255FromExponent(bound), { bound, tableSize }), 'PLAINTEXT_OUT_OF_RANGE', 'bound');
    }
    expect(ristretto255DiscreteLog(ristretto255Identity(), { bound: 1 })).toBe(0);
    expectCohortError(() => ristretto255DiscreteLog(B, { bound: 1 }), 'PLAINTEXT_OUT_OF_RANGE', 'bound');
  });

  it('handles the default table for bound 10^6 at both ends of the range, and after the cache is cleared', () => {
    const bound = 1_000_000;
    for (const value of [0, 1, 999, 1000, 1001, 123_456, 999_999]) {
      expect(ristretto255DiscreteLog(ristretto255FromExponent(value), { bound })).toBe(value);
    }
    clearDiscreteLogTables();
    expect(ristretto255DiscreteLog(ristretto255FromExponent(-999_999), { bound, allowNegative: true })).toBe(-999_999);
    expectCohortError(() => ristretto255DiscreteLog(ristretto255FromExponent(bound), { bound }), 'PLAINTEXT_OUT_OF_RANGE', 'bound');
  });

  it('refuses a random element (a large discrete log) instead of returning a wrong value', () => {
    const rng = new SeededRandom(31);
    for (let i = 0; i < 5; i++) {
      expectCohortError(() => ristretto255DiscreteLog(randomRistretto255Element(rng), { bound: 5000, allowNegative: true }), 'PLAINTEXT_OUT_OF_RANGE', 'bound');
    }
  });

  it('validates options', () => {
    expectCohortError(() => ristretto255DiscreteLog(B, { bound: 1.5 }), 'INVALID_ARGUMENT', 'bound');
    expectCohortError(() => ristretto255DiscreteLog(B, { bound: 10, tableSize: 0 }), 'INVALID_ARGUMENT', 'tableSize');
    expectCohortError(() => ristretto255DiscreteLog(B, { bound: 10, tableSize: MAX_DISCRETE_LOG_TABLE_SIZE + 1 }), 'INVALID_ARGUMENT', 'tableSize');
    expectCohortError(() => ristretto255DiscreteLog(B, { bound: 10, allowNegative: 'yes' as never }), 'INVALID_ARGUMENT', 'allowNegative');
    expectCohortError(() => ristretto255DiscreteLog(7 as never, { bound: 10 }), 'INVALID_ARGUMENT', 'element');
  });
});

describe('the hash key of a ristretto255 element', () => {
  // The 8 Ed25519 torsion points; adding one of order dividing 4 gives another representative
  // of the same ristretto255 element (ristretto255 is the even points modulo the 4-torsion); adding one of order 8 does not.
  const torsion = ED25519_TORSION_SUBGROUP.map((hex) => ed25519.Point.fromHex(hex));
  const rng = new SeededRandom(41);
  const elements = [B, ristretto255Identity(), ...Array.from({ length: 6 }, () => randomRistretto255Element(rng))];

  it('is equal exactly when noble says the elements are equal, for every representative', () => {
    expect(torsion).toHaveLength(8);
    for (const element of elements) {
      const base = edwardsOf(element);
      const [baseKey] = classKeys([base]);
      for (const t of torsion) {
        const representative = base.add(t);
        const sameElement = new ristretto255.Point(representative).equals(element);
        const [key] = classKeys([representative]);
        expect(key === baseKey).toBe(sameElement);
      }
      // Exactly 4 of the 8 shifts stay in the class: E[4] has 4 points.
      expect(torsion.filter((t) => new ristretto255.Point(base.add(t)).equals(element))).toHaveLength(4);
    }
  });

  it('is negated (mod p) by negating the element, except for the identity', () => {
    const p = ed25519.Point.Fp.ORDER;
    for (const element of elements.slice(2)) {
      const [key] = classKeys([edwardsOf(element)]);
      const [negated] = classKeys([edwardsOf(element.negate())]);
      expect(negated).toBe((p - (key as bigint)) % p);
    }
    expect(classKeys([edwardsOf(ristretto255Identity())])).toEqual([-1n]);
  });
});
