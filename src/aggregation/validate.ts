/**
 * Input checks shared by every aggregator: the updates are non-empty, equally long vectors and
 * (when given) their weights are finite and positive. Throws CohortError naming the argument.
 */
import { CohortError, check } from '../errors.js';

/** Checks `vectors` is a non-empty list of Float32Arrays of one length; returns that length. */
export function checkVectors(vectors: readonly Float32Array[], name = 'vectors'): number {
  check(Array.isArray(vectors), name, typeof vectors, 'an array of Float32Array');
  check(vectors.length >= 1, `${name}.length`, vectors.length, 'at least 1');
  const first = vectors[0];
  check(first instanceof Float32Array, `${name}[0]`, describe(first), 'a Float32Array');
  const length = first.length;
  for (let k = 1; k < vectors.length; k++) {
    const vector = vectors[k];
    check(vector instanceof Float32Array, `${name}[${k}]`, describe(vector), 'a Float32Array');
    if (vector.length !== length) {
      throw new CohortError(
        'INVALID_ARGUMENT',
        `${name}[${k}].length must equal ${name}[0].length = ${length} (got ${vector.length})`,
        { subject: `${name}[${k}]` },
      );
    }
  }
  return length;
}

/** Checks `weights` has one finite, strictly positive entry per vector; returns their sum. */
export function checkWeights(weights: readonly number[], count: number, name = 'weights'): number {
  check(Array.isArray(weights), name, typeof weights, 'an array of numbers');
  check(weights.length === count, `${name}.length`, weights.length, `equal to the number of vectors (${count})`);
  let total = 0;
  for (let k = 0; k < weights.length; k++) {
    const weight = weights[k];
    check(typeof weight === 'number' && Number.isFinite(weight) && weight > 0, `${name}[${k}]`, weight, 'a finite number > 0');
    total += weight;
  }
  check(Number.isFinite(total), `sum of ${name}`, total, 'finite');
  return total;
}

/** Index of the first non-finite entry of `vector`, or -1. */
export function firstNonFinite(vector: Float32Array): number {
  for (let i = 0; i < vector.length; i++) {
    // x - x is 0 for finite x and NaN for ±Infinity and NaN: one compare per element.
    const x = vector[i] as number;
    if (x - x !== 0) return i;
  }
  return -1;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
