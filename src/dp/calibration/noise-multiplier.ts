/**
 * Noise calibration for DP-SGD: the smallest noise multiplier σ (to a relative tolerance) for which
 * `steps` Poisson-subsampled Gaussian steps at `sampleRate` are (targetEpsilon, delta)-DP under the
 * chosen accountant. ε(σ) is decreasing in σ, so: bracket by doubling/halving, then bisection that
 * keeps the invariant ε(high) ≤ target and returns `high` — the guarantee holds for the σ returned,
 * as evaluated, not just approximately (the same search as Opacus's get_noise_multiplier, with the
 * stopping rule on σ instead of on ε).
 */
import { CohortError, check } from '../../errors.js';
import { pldEpsilon } from '../accountants/pld.js';
import { rdpEpsilon } from '../accountants/rdp.js';

export interface NoiseCalibrationRequest {
  readonly targetEpsilon: number;
  readonly sampleRate: number;
  readonly steps: number;
  readonly delta: number;
  /** Default 'rdp'. */
  readonly accountant?: 'rdp' | 'pld';
  /** The largest noise multiplier considered; default 1e4. */
  readonly maxNoiseMultiplier?: number;
  /** Stop when the bracket is narrower than this fraction of σ; default 1e-5 (RDP) or 1e-3 (PLD). */
  readonly tolerance?: number;
  /** PLD grid spacing; default 1e-4. */
  readonly discretisation?: number;
}

export interface NoiseCalibration {
  readonly noiseMultiplier: number;
  /** ε achieved at noiseMultiplier, ≤ targetEpsilon. */
  readonly epsilon: number;
  readonly accountant: 'rdp' | 'pld';
}

const MIN_NOISE_MULTIPLIER = 1e-3;

export function noiseMultiplierForEpsilon(request: NoiseCalibrationRequest): NoiseCalibration {
  const { targetEpsilon, sampleRate, steps, delta } = request;
  const accountant = request.accountant ?? 'rdp';
  check(Number.isFinite(targetEpsilon) && targetEpsilon > 0, 'targetEpsilon', targetEpsilon, 'a finite number > 0');
  check(sampleRate > 0 && sampleRate <= 1, 'sampleRate', sampleRate, 'in (0, 1]');
  check(Number.isSafeInteger(steps) && steps >= 1, 'steps', steps, 'an integer ≥ 1');
  check(delta > 0 && delta < 1, 'delta', delta, 'in (0, 1)');
  check(accountant === 'rdp' || accountant === 'pld', 'accountant', accountant, '"rdp" or "pld"');
  const maxNoise = request.maxNoiseMultiplier ?? 1e4;
  check(Number.isFinite(maxNoise) && maxNoise > MIN_NOISE_MULTIPLIER, 'maxNoiseMultiplier', maxNoise, `a finite number > ${MIN_NOISE_MULTIPLIER}`);
  const tolerance = request.tolerance ?? (accountant === 'rdp' ? 1e-5 : 1e-3);
  check(tolerance > 0 && tolerance < 1, 'tolerance', tolerance, 'in (0, 1)');

  const epsilonAt = (noiseMultiplier: number): number =>
    accountant === 'rdp'
      ? rdpEpsilon({ noiseMultiplier, sampleRate, steps, delta }).epsilon
      : pldEpsilon({
          noiseMultiplier,
          sampleRate,
          steps,
          delta,
          ...(request.discretisation === undefined ? {} : { discretisation: request.discretisation }),
        });

  // Bracket: low has ε > target, high has ε ≤ target. PLD ε ≤ RDP ε, so RDP's answer is a valid start.
  let high = accountant === 'pld' ? noiseMultiplierForEpsilon({ targetEpsilon, sampleRate, steps, delta, maxNoiseMultiplier: maxNoise }).noiseMultiplier : Math.min(1, maxNoise);
  let highEpsilon = epsilonAt(high);
  let low = high;
  while (highEpsilon > targetEpsilon) {
    if (high >= maxNoise) {
      throw new CohortError(
        'DP_TARGET_UNREACHABLE',
        `targetEpsilon ${targetEpsilon} cannot be reached with noiseMultiplier ≤ ${maxNoise} ` +
          `(sampleRate ${sampleRate}, steps ${steps}, delta ${delta}: epsilon is still ${highEpsilon} there)`,
        { subject: 'targetEpsilon' },
      );
    }
    low = high;
    high = Math.min(maxNoise, high * 2);
    highEpsilon = epsilonAt(high);
  }
  if (low === high) {
    // high already meets the target: walk down until it does not (in steps of 0.9 when starting from the
    // RDP answer, which PLD usually beats by 5-20%; halving otherwise).
    const factor = accountant === 'pld' ? 0.9 : 0.5;
    for (;;) {
      const candidate = low * factor;
      if (candidate < MIN_NOISE_MULTIPLIER) return { noiseMultiplier: high, epsilon: highEpsilon, accountant };
      const candidateEpsilon = epsilonAt(candidate);
      if (candidateEpsilon > targetEpsilon) {
        low = candidate;
        break;
      }
      high = candidate;
      highEpsilon = candidateEpsilon;
      low = candidate;
    }
  }
  while (high - low > tolerance * high) {
    const middle = 0.5 * (low + high);
    const middleEpsilon = epsilonAt(middle);
    if (middleEpsilon <= targetEpsilon) {
      high = middle;
      highEpsilon = middleEpsilon;
    } else {
      low = middle;
    }
  }
  return { noiseMultiplier: high, epsilon: highEpsilon, accountant };
}
