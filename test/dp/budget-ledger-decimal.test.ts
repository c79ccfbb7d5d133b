import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decimalAdd,
  decimalCompare,
  decimalFromNumber,
  decimalFromString,
  decimalSubtractFloorZero,
  decimalToNumberAtLeast,
  decimalToNumberAtMost,
  decimalToString,
} from '../../src/dp/budget-ledger-decimal.js';

const text = (x: number): string => decimalToString(decimalFromNumber(x));
const nonNegativeDouble = fc.double({ min: 0, max: 1e12, noNaN: true, noDefaultInfinity: true });

describe('exact ledger decimals', () => {
  it('reads each double as the decimal JavaScript prints for it', () => {
    expect(text(0.1)).toBe('0.1');
    expect(text(1e-7)).toBe('0.0000001');
    expect(text(1.5e-10)).toBe('0.00000000015');
    expect(text(1e21)).toBe('1000000000000000000000');
    expect(text(7.32911117143)).toBe('7.32911117143');
    expect(text(-0)).toBe('0');
    expect(text(5e-324)).toBe(`0.${'0'.repeat(323)}5`);
  });

  it('adds without floating-point drift: 0.1 + 0.2 is exactly 0.3, ten times 0.1 is exactly 1', () => {
    expect(0.1 + 0.2).not.toBe(0.3); // the drift this module exists to avoid
    expect(decimalToString(decimalAdd(decimalFromNumber(0.1), decimalFromNumber(0.2)))).toBe('0.3');
    let sum = decimalFromNumber(0);
    for (let i = 0; i < 10; i += 1) sum = decimalAdd(sum, decimalFromNumber(0.1));
    expect(decimalCompare(sum, decimalFromNumber(1))).toBe(0);
  });

  it('subtracts with a floor at zero', () => {
    const d = (x: number) => decimalFromNumber(x);
    expect(decimalToString(decimalSubtractFloorZero(d(1), d(0.7)))).toBe('0.3');
    expect(decimalToString(decimalSubtractFloorZero(d(0.5), d(2)))).toBe('0');
  });

  it('rejects negative, NaN and infinite amounts and malformed stored text', () => {
    for (const bad of [-1, -1e-300, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => decimalFromNumber(bad, 'epsilon')).toThrow(/epsilon must be a finite number ≥ 0/);
    }
    for (const bad of ['', '-1', '1e-5', '.5', '1.', 'abc']) {
      expect(() => decimalFromString(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });

  it('round-trips: stored text parses back to the same decimal and Number() gives the same double', () => {
    fc.assert(
      fc.property(nonNegativeDouble, (x) => {
        const stored = text(x);
        expect(Number(stored)).toBe(x + 0);
        expect(decimalCompare(decimalFromString(stored), decimalFromNumber(x))).toBe(0);
      }),
    );
  });

  it('orders decimals as the doubles they came from', () => {
    fc.assert(
      fc.property(nonNegativeDouble, nonNegativeDouble, (x, y) => {
        const expected = x < y ? -1 : x > y ? 1 : 0;
        expect(decimalCompare(decimalFromNumber(x), decimalFromNumber(y))).toBe(expected);
      }),
    );
  });

  it('addition is commutative and associative (exact)', () => {
    fc.assert(
      fc.property(nonNegativeDouble, nonNegativeDouble, nonNegativeDouble, (x, y, z) => {
        const [a, b, c] = [x, y, z].map((v) => decimalFromNumber(v)) as [
          ReturnType<typeof decimalFromNumber>,
          ReturnType<typeof decimalFromNumber>,
          ReturnType<typeof decimalFromNumber>,
        ];
        expect(decimalCompare(decimalAdd(a, b), decimalAdd(b, a))).toBe(0);
        expect(decimalCompare(decimalAdd(decimalAdd(a, b), c), decimalAdd(a, decimalAdd(b, c)))).toBe(0);
      }),
    );
  });

  it('converts sums back to the tightest double below (at most) or above (at least)', () => {
    fc.assert(
      fc.property(fc.array(nonNegativeDouble, { minLength: 1, maxLength: 6 }), (values) => {
        const sum = values.reduce((acc, v) => decimalAdd(acc, decimalFromNumber(v)), decimalFromNumber(0));
        const below = decimalToNumberAtMost(sum);
        const above = decimalToNumberAtLeast(sum);
        expect(decimalCompare(decimalFromNumber(below), sum)).toBeLessThanOrEqual(0);
        expect(decimalCompare(decimalFromNumber(above), sum)).toBeGreaterThanOrEqual(0);
        expect(above - below).toBeLessThanOrEqual(Math.max(Number.MIN_VALUE, 4 * Number.EPSILON * above));
      }),
    );
    // 1 − 1e-20 is not a double: at most gives the double just below 1, at least gives 1.
    const almostOne = decimalFromString(`0.${'9'.repeat(20)}`);
    expect(decimalToNumberAtMost(almostOne)).toBe(1 - Number.EPSILON / 2);
    expect(decimalToNumberAtLeast(almostOne)).toBe(1);
  });
});
