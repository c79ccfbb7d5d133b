/** DP count of records: sensitivity = maxContributions (one unit adds or removes that many). */
import type { Released } from '../mechanisms/guarantee.js';
import { boundContributions, checkPrivacyOptions, noisyInteger, type PrivacyOptions } from './common.js';

/** Noisy number of records (an integer; may be negative for tiny counts — clamp when displaying). */
export function dpCount(records: number | ArrayLike<unknown>, options: PrivacyOptions): Released<number> {
  const k = checkPrivacyOptions(options);
  const total = typeof records === 'number' ? records : records.length;
  const kept = boundContributions(total, k, options.privacyUnitIds);
  return noisyInteger(kept === undefined ? total : kept.length, k, options);
}
