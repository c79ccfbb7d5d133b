/**
 * Exact non-negative decimals for the privacy budget ledger.
 *
 * Why: summing ε in binary floating point drifts (0.1 + 0.2 = 0.30000000000000004), and a
 * tolerance would let the recorded total creep past the budget. The ledger instead reads every
 * number as the decimal JavaScript prints for it — the shortest string that round-trips to the
 * same double (ECMAScript Number::toString, ECMA-262 §6.1.6.1.20) — and adds those decimals
 * exactly with bigint. So ten spends of 0.1 make exactly 1, and "recorded total ≤ budget" is an
 * exact comparison with no tolerance. The shortest decimal differs from the double by less than
 * half an ulp, far below the error of any accountant that produced the number.
 */
import { CohortError, check } from '../errors.js';

/** The value `units / 10^scale`, with `units ≥ 0` and no trailing zero in `units` when scale > 0. */
export interface ExactDecimal {
  readonly units: bigint;
  readonly scale: number;
}

export const DECIMAL_ZERO: ExactDecimal = { units: 0n, scale: 0 };

const NUMBER_TEXT = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;
const PLAIN_DECIMAL = /^(\d+)(?:\.(\d+))?$/;

function normalize(units: bigint, scale: number): ExactDecimal {
  if (units === 0n) return DECIMAL_ZERO;
  let u = units;
  let s = scale;
  while (s > 0 && u % 10n === 0n) {
    u /= 10n;
    s -= 1;
  }
  if (s < 0) {
    u *= 10n ** BigInt(-s);
    s = 0;
  }
  return { units: u, scale: s };
}

function fromParts(integer: string, fraction: string, exponent: number): ExactDecimal {
  return normalize(BigInt(integer + fraction), fraction.length - exponent);
}

/** The exact decimal of a finite non-negative double's shortest round-trip representation. */
export function decimalFromNumber(value: number, name = 'value'): ExactDecimal {
  check(typeof value === 'number' && Number.isFinite(value) && value >= 0, name, value, 'a finite number ≥ 0');
  const match = NUMBER_TEXT.exec(String(value));
  if (match === null) throw new CohortError('INTERNAL', `cannot read ${String(value)} as a decimal`);
  return fromParts(match[1] ?? '0', match[2] ?? '', Number(match[3] ?? '0'));
}

/** Parses a plain decimal string such as "0.25" (as written by decimalToString). */
export function decimalFromString(text: string, name = 'value'): ExactDecimal {
  const match = PLAIN_DECIMAL.exec(text);
  check(match !== null, name, text, 'a plain non-negative decimal such as "0.25"');
  return fromParts(match[1] ?? '0', match[2] ?? '', 0);
}

/** Plain decimal text, no exponent: "0.000001", "12.5", "3". */
export function decimalToString(value: ExactDecimal): string {
  if (value.scale === 0) return value.units.toString();
  const digits = value.units.toString().padStart(value.scale + 1, '0');
  return `${digits.slice(0, -value.scale)}.${digits.slice(-value.scale)}`;
}

function align(a: ExactDecimal, b: ExactDecimal): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.units * 10n ** BigInt(scale - a.scale), b.units * 10n ** BigInt(scale - b.scale), scale];
}

export function decimalAdd(a: ExactDecimal, b: ExactDecimal): ExactDecimal {
  const [x, y, scale] = align(a, b);
  return normalize(x + y, scale);
}

/** a − b, or zero when b ≥ a (remaining budget is never negative). */
export function decimalSubtractFloorZero(a: ExactDecimal, b: ExactDecimal): ExactDecimal {
  const [x, y, scale] = align(a, b);
  return x > y ? normalize(x - y, scale) : DECIMAL_ZERO;
}

/** −1, 0 or 1 as a is below, equal to or above b. */
export function decimalCompare(a: ExactDecimal, b: ExactDecimal): -1 | 0 | 1 {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const bits = new DataView(new ArrayBuffer(8));

/** The adjacent double towards +∞ (step > 0) or −∞ (step < 0), for finite positive-or-zero x. */
function adjacentDouble(x: number, step: 1 | -1): number {
  if (x === 0) return step > 0 ? Number.MIN_VALUE : 0;
  bits.setFloat64(0, x);
  bits.setBigUint64(0, bits.getBigUint64(0) + BigInt(step));
  return bits.getFloat64(0);
}

/**
 * The largest double whose decimal (as the ledger reads it) is ≤ `value`. Used to report
 * remaining budget so that spending exactly the reported remainder is always accepted.
 */
export function decimalToNumberAtMost(value: ExactDecimal): number {
  let candidate = Number(decimalToString(value));
  // Number() rounds to nearest, so at most one step is ever needed; the bound is a safety net.
  for (let i = 0; i < 4 && decimalCompare(decimalFromNumber(candidate), value) > 0; i += 1) {
    candidate = adjacentDouble(candidate, -1);
  }
  return candidate;
}

/** The smallest double whose decimal is ≥ `value` (reports spent totals without understating). */
export function decimalToNumberAtLeast(value: ExactDecimal): number {
  let candidate = Number(decimalToString(value));
  for (let i = 0; i < 4 && decimalCompare(decimalFromNumber(candidate), value) < 0; i += 1) {
    candidate = adjacentDouble(candidate, 1);
  }
  return candidate;
}
