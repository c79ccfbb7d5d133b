/**
 * DP histogram over a public list of categories: each record adds 1 to one cell, so one unit with
 * k records changes the vector by at most k in ℓ1 (and ℓ2). Per-cell exact integer noise
 * (common.ts, noisyIntegerVector). The category list must be public — taken from a schema, not
 * from the values present in the private data (which would reveal that a category occurs).
 */
import { CohortError, check } from '../../errors.js';
import type { Released } from '../mechanisms/guarantee.js';
import { boundContributions, checkPrivacyOptions, noisyIntegerVector, type PrivacyOptions } from './common.js';

export interface HistogramOptions extends PrivacyOptions {
  /** Number of public categories; values are category indices in [0, numCategories). */
  readonly numCategories: number;
}

/** Noisy count per category (integers; small cells may come out negative — clamp for display). */
export function dpHistogram(categories: ArrayLike<number>, options: HistogramOptions): Released<number[]> {
  const k = checkPrivacyOptions(options);
  const m = options.numCategories;
  check(Number.isSafeInteger(m) && m >= 1, 'numCategories', m, 'a positive integer');
  const counts = new Array<number>(m).fill(0);
  const kept = boundContributions(categories.length, k, options.privacyUnitIds);
  const add = (i: number) => {
    const c = categories[i] as number;
    if (!(Number.isInteger(c) && c >= 0 && c < m)) {
      throw new CohortError('INVALID_DATA', `categories[${i}] must be an integer in [0, ${m}) (got ${c})`, { subject: 'categories' });
    }
    counts[c] = (counts[c] as number) + 1;
  };
  if (kept === undefined) for (let i = 0; i < categories.length; i++) add(i);
  else for (const i of kept) add(i);
  return noisyIntegerVector(counts, k, options);
}
