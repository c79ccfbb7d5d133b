/**
 * Vector Gaussian noise for DP aggregation: i.i.d. N(0, s²) by the Box–Muller transform (Box &
 * Muller 1958, "A note on the generation of random normal deviates") from 53-bit uniforms of a
 * CSPRNG. `requireSecure` refuses a seeded source outside tests.
 *
 * Floating-point caveat: like Opacus and TensorFlow Privacy, this samples in binary64, whose
 * outputs are not exactly Gaussian at the ulp level (Mironov 2012, "On significance of the least
 * significant bits for differential privacy", for Laplace; Jin et al. 2022, "Are we there yet?
 * Timing and floating-point attacks on differential privacy systems", for Gaussian). The noise
 * here is added to model weights that are then rounded to float32, a coarser grid than the
 * attacks exploit, but the guarantee is stated for the ideal Gaussian.
 */
import { type RandomSource, requireSecure } from '../../crypto/random.js';
import { check } from '../../errors.js';

/** Adds N(0, standardDeviation²) independently to every entry of `target` (in place). */
export function addGaussianNoise(target: Float64Array, standardDeviation: number, rng: RandomSource | undefined, purpose = 'DP aggregation noise'): void {
  check(target instanceof Float64Array, 'target', typeof target, 'a Float64Array');
  check(Number.isFinite(standardDeviation) && standardDeviation >= 0, 'standardDeviation', standardDeviation, 'a finite number ≥ 0');
  if (standardDeviation === 0) return;
  const source = requireSecure(rng, purpose);
  const n = target.length;
  for (let i = 0; i < n; i += 2) {
    // u1 in (0, 1] so that log(u1) is finite.
    const u1 = 1 - source.uniform();
    const u2 = source.uniform();
    const radius = standardDeviation * Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    target[i] = (target[i] as number) + radius * Math.cos(angle);
    if (i + 1 < n) target[i + 1] = (target[i + 1] as number) + radius * Math.sin(angle);
  }
}

/** One N(0, standardDeviation²) draw. */
export function gaussianSample(standardDeviation: number, rng: RandomSource | undefined, purpose = 'DP noise'): number {
  const one = new Float64Array(1);
  addGaussianNoise(one, standardDeviation, rng, purpose);
  return one[0] as number;
}
