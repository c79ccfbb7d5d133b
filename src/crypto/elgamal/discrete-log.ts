/**
 * Small discrete logarithms in ristretto255 by baby-step giant-step (D. Shanks, "Class number, a
 * theory of factorization, and genera", Proc. Symp. Pure Math. 20, 1971): find v with Q = v·B for
 * v in a caller-given range of width W using a table of m ≈ √W entries and ≈ W/(2m) additions.
 *
 * Two speed-ups, both exact:
 * - Hash keys without the ristretto encoding. Two Edwards representatives describe the same
 *   ristretto255 element iff x1·y2 = y1·x2 or y1·y2 = x1·x2 (RFC 9496 §4.3.3), i.e. the element
 *   determines the unordered pair {u, 1/u} with u = x/y. So u + 1/u = (X² + Y²)/(X·Y) (projective
 *   coordinates) is a key that is equal exactly for equal elements (u + 1/u = v + 1/v iff v = u or
 *   v = 1/u). Keys of a batch share one field inversion (Montgomery's trick, P. L. Montgomery,
 *   "Speeding the Pollard and elliptic curve methods of factorization", Math. Comp. 48, 1987), so a
 *   giant step costs one point addition and a few field multiplications instead of an encoding
 *   (an inverse square root).
 * - Negation flips the key's sign (−(x, y) = (−x, y)), so one table of j·B for 0 ≤ j < m answers
 *   ±j and each giant step covers a window of 2m − 1 values.
 * The identity class (X = 0 or Y = 0 for its representatives) gets a key of its own.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { CohortError, check } from '../../errors.js';
import { checkElement, ristretto255Generator, type Ristretto255Element } from './group.js';

const Edwards = ed25519.Point;
type EdwardsPoint = InstanceType<typeof ed25519.Point>;
const FIELD_PRIME: bigint = Edwards.Fp.ORDER;
const IDENTITY_KEY = -1n;

/** Largest accepted bound: 2^40 (its default table has 2^20 entries: ≈ 85 MB and ≈ 15–20 s to build, extrapolated from 2^17). */
export const MAX_DISCRETE_LOG_BOUND = 2 ** 40;
/** Largest accepted explicit table size. */
export const MAX_DISCRETE_LOG_TABLE_SIZE = 2 ** 21;
const CACHED_TABLES = 4;
const KEY_BATCH = 64;

export interface DiscreteLogOptions {
  /** Values are searched in [0, bound), or in (−bound, bound) with `allowNegative`. Integer in [1, 2^40]. */
  readonly bound: number;
  /** Also accept negative values (−bound, 0); costs about twice the giant steps. Default false. */
  readonly allowNegative?: boolean;
  /** Baby-step table entries m; default ⌈√bound⌉. Larger tables trade memory for fewer giant steps. */
  readonly tableSize?: number;
}

interface BabyStepTable {
  readonly size: number;
  /** key(j·B) → j for 1 ≤ j < size (j = 0 is the identity key). */
  readonly keys: Map<bigint, number>;
  /** −(2·size − 1)·B, one giant step. */
  readonly giantStep: EdwardsPoint;
  /** −c·B for the first window centres c seen so far (one per range start). */
  readonly startOffsets: Map<number, EdwardsPoint>;
}

const tables = new Map<number, BabyStepTable>();
let edwardsGenerator: EdwardsPoint | undefined;

/** Frees the cached baby-step tables (they are rebuilt on demand). */
export function clearDiscreteLogTables(): void {
  tables.clear();
}

/**
 * The integer v with `element` = v·B and v in [0, bound) (or (−bound, bound) with
 * `allowNegative`). Throws PLAINTEXT_OUT_OF_RANGE when no such v exists. The table for a given
 * size is built once and cached (the last few sizes are kept).
 */
export function ristretto255DiscreteLog(element: Ristretto255Element, options: DiscreteLogOptions): number {
  checkElement(element, 'element');
  const { bound, allowNegative, tableSize } = checkOptions(options);
  const table = tableFor(tableSize);
  const low = allowNegative ? -(bound - 1) : 0;
  const width = bound - low; // number of candidate values
  const stride = 2 * table.size - 1;
  const steps = Math.ceil(width / stride);
  const firstCentre = low + table.size - 1;

  // Giant step i looks at Q − (firstCentre + i·stride)·B, which is j·B with |j| < size iff v is
  // in that step's window.
  let current = toEdwards(element).add(startOffset(table, firstCentre));
  for (let index = 0; index < steps; index += KEY_BATCH) {
    const batch: EdwardsPoint[] = [];
    for (let k = 0; k < KEY_BATCH && index + k < steps; k++) {
      batch.push(current);
      current = current.add(table.giantStep);
    }
    const keys = classKeys(batch);
    for (let k = 0; k < keys.length; k++) {
      const offset = lookup(table, keys[k] as bigint);
      if (offset === undefined) continue;
      const value = firstCentre + (index + k) * stride + offset;
      if (value >= low && value < bound) return value;
      throw outOfRange(bound, allowNegative);
    }
  }
  throw outOfRange(bound, allowNegative);
}

function checkOptions(options: DiscreteLogOptions): { bound: number; allowNegative: boolean; tableSize: number } {
  check(typeof options === 'object' && options !== null, 'options', options, 'an object with a bound');
  const { bound, allowNegative = false, tableSize } = options;
  check(
    Number.isInteger(bound) && bound >= 1 && bound <= MAX_DISCRETE_LOG_BOUND,
    'bound',
    bound,
    'an integer in [1, 2^40]',
  );
  check(typeof allowNegative === 'boolean', 'allowNegative', allowNegative, 'a boolean');
  if (tableSize !== undefined) {
    check(
      Number.isInteger(tableSize) && tableSize >= 1 && tableSize <= MAX_DISCRETE_LOG_TABLE_SIZE,
      'tableSize',
      tableSize,
      'an integer in [1, 2^21]',
    );
  }
  return { bound, allowNegative, tableSize: tableSize ?? Math.ceil(Math.sqrt(bound)) };
}

function outOfRange(bound: number, allowNegative: boolean): CohortError {
  const range = allowNegative ? `(−${bound}, ${bound})` : `[0, ${bound})`;
  return new CohortError(
    'PLAINTEXT_OUT_OF_RANGE',
    `the decrypted value is not in ${range}: the plaintext exceeds the bound, or the ciphertext was not made under this key`,
    { subject: 'bound' },
  );
}

/** Signed table offset j with key = key(j·B), or undefined. */
function lookup(table: BabyStepTable, key: bigint): number | undefined {
  if (key === IDENTITY_KEY) return 0;
  const positive = table.keys.get(key);
  if (positive !== undefined) return positive;
  const negative = table.keys.get(key === 0n ? 0n : FIELD_PRIME - key);
  return negative === undefined ? undefined : -negative;
}

function tableFor(size: number): BabyStepTable {
  const cached = tables.get(size);
  if (cached !== undefined) {
    tables.delete(size); // re-insert: Map order doubles as least-recently-used order
    tables.set(size, cached);
    return cached;
  }
  const table = buildTable(size);
  tables.set(size, table);
  while (tables.size > CACHED_TABLES) {
    const oldest = tables.keys().next().value as number;
    tables.delete(oldest);
  }
  return table;
}

function buildTable(size: number): BabyStepTable {
  const keys = new Map<bigint, number>();
  const generator = baseEdwards();
  let point = generator;
  for (let start = 1; start < size; start += KEY_BATCH * 16) {
    const batch: EdwardsPoint[] = [];
    for (let j = start; j < Math.min(size, start + KEY_BATCH * 16); j++) {
      batch.push(point);
      point = point.add(generator);
    }
    const batchKeys = classKeys(batch);
    for (let k = 0; k < batchKeys.length; k++) keys.set(batchKeys[k] as bigint, start + k);
  }
  return { size, keys, giantStep: generatorMultiple(-(2 * size - 1)), startOffsets: new Map() };
}

function startOffset(table: BabyStepTable, firstCentre: number): EdwardsPoint {
  let offset = table.startOffsets.get(firstCentre);
  if (offset === undefined) {
    offset = generatorMultiple(-firstCentre);
    if (table.startOffsets.size >= 16) table.startOffsets.clear(); // only a few bounds are used at once
    table.startOffsets.set(firstCentre, offset);
  }
  return offset;
}

/** The Edwards representative of B (the same representative noble's ristretto uses). */
function baseEdwards(): EdwardsPoint {
  edwardsGenerator ??= toEdwards(ristretto255Generator());
  return edwardsGenerator;
}

/** k·B on the Edwards representative, for a public integer k. */
function generatorMultiple(k: number): EdwardsPoint {
  if (k === 0) return Edwards.ZERO;
  const positive = baseEdwards().multiplyUnsafe(BigInt(Math.abs(k)));
  return k > 0 ? positive : positive.negate();
}

/** An Edwards representative of a ristretto255 element, through its public affine coordinates. */
function toEdwards(element: Ristretto255Element): EdwardsPoint {
  const { x, y } = element.toAffine();
  return Edwards.fromAffine({ x, y });
}

/** key = (X² + Y²)/(X·Y) mod p for each point, IDENTITY_KEY when X·Y = 0; one inversion per batch. */
export function classKeys(points: readonly EdwardsPoint[]): bigint[] {
  const p = FIELD_PRIME;
  const products = points.map((point) => (point.X * point.Y) % p);
  const inverses = batchInvert(products);
  return points.map((point, i) => {
    const inverse = inverses[i] as bigint;
    if (inverse === 0n) return IDENTITY_KEY;
    return (((point.X * point.X + point.Y * point.Y) % p) * inverse) % p;
  });
}

/** Montgomery's simultaneous inversion mod p; zero entries map to zero. */
function batchInvert(values: readonly bigint[]): bigint[] {
  const p = FIELD_PRIME;
  const prefix: bigint[] = new Array<bigint>(values.length);
  let running = 1n;
  for (let i = 0; i < values.length; i++) {
    prefix[i] = running;
    const value = values[i] as bigint;
    if (value !== 0n) running = (running * value) % p;
  }
  let inverse = Edwards.Fp.inv(running);
  const out: bigint[] = new Array<bigint>(values.length);
  for (let i = values.length - 1; i >= 0; i--) {
    const value = values[i] as bigint;
    if (value === 0n) {
      out[i] = 0n;
      continue;
    }
    out[i] = (inverse * (prefix[i] as bigint)) % p;
    inverse = (inverse * value) % p;
  }
  return out;
}
