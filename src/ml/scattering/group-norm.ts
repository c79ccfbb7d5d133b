/**
 * Group normalisation of one example (Wu & He, ECCV 2018, "Group normalization", eq. 1–3, without
 * the learned affine part): the C channels are cut into G groups of C/G consecutive channels, and
 * each group is shifted and scaled by the mean μ and the (biased) variance σ² of its values over
 * all its channels and positions:  x̂ = (x − μ)/√(σ² + ε),  ε = 1e-5 (PyTorch's GroupNorm default,
 * which Tramèr & Boneh, ICLR 2021, apply to ScatterNet features with affine = False).
 *
 * Privacy: the statistics are those of the example itself, so this is a fixed function applied to
 * each record on its own. Neighbouring data sets stay neighbouring after it, and DP-SGD's guarantee
 * on the normalised records is a guarantee on the original ones; no privacy budget is spent (unlike
 * normalising with means and variances over the data set).
 */
import { check } from '../../errors.js';

export const GROUP_NORM_EPSILON = 1e-5;

/**
 * Normalises `values[offset ..]`, `positions`×`channels` channel-last, in place by `groups` groups.
 * Sums in float64.
 */
export function groupNormalize(values: Float32Array | Float64Array, positions: number, channels: number, groups: number, offset = 0, epsilon = GROUP_NORM_EPSILON): void {
  check(Number.isInteger(groups) && groups >= 1 && channels % groups === 0, 'groups', groups, `a positive divisor of the ${channels} channels`);
  check(Number.isInteger(positions) && positions >= 1, 'positions', positions, 'a positive integer');
  check(values.length >= offset + positions * channels, 'values length', values.length, `at least offset + ${positions}×${channels}`);
  check(Number.isFinite(epsilon) && epsilon > 0, 'epsilon', epsilon, 'a finite number > 0');
  const width = channels / groups;
  const count = positions * width;
  for (let g = 0; g < groups; g++) {
    const first = g * width;
    let sum = 0;
    for (let p = 0; p < positions; p++) {
      const base = offset + p * channels + first;
      for (let c = 0; c < width; c++) sum += values[base + c] as number;
    }
    const mean = sum / count;
    let squares = 0;
    for (let p = 0; p < positions; p++) {
      const base = offset + p * channels + first;
      for (let c = 0; c < width; c++) squares += ((values[base + c] as number) - mean) ** 2;
    }
    const inverse = 1 / Math.sqrt(squares / count + epsilon);
    for (let p = 0; p < positions; p++) {
      const base = offset + p * channels + first;
      for (let c = 0; c < width; c++) values[base + c] = ((values[base + c] as number) - mean) * inverse;
    }
  }
}
