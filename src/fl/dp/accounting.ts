/**
 * Accounting for private federated runs, through the same accountants and calls as
 * `cohort dp epsilon` / `cohort dp noise` (src/cli/commands/dp-accounting.ts), so a run's reported
 * ε is exactly what the CLI prints for the same (sampleRate, noiseMultiplier, steps, delta).
 *
 * User-level DP-FedAvg (McMahan et al. 2018, Section 3) is a Poisson-subsampled Gaussian mechanism
 * over users: one step per round, sampleRate q = expected clients per round / all clients,
 * noise multiplier z = noise std / clipping norm on the sum of clipped updates.
 */
import type { AccountantName } from '../../dp/accountants/index.js';
import { noiseMultiplierForEpsilon } from '../../dp/calibration/index.js';
import { check } from '../../errors.js';
import { dpSgdEpsilon } from '../private-training.js';

export type { AccountantName };

export interface SubsampledGaussian {
  readonly noiseMultiplier: number;
  readonly sampleRate: number;
  readonly steps: number;
}

export function checkAccountantName(accountant: string, name = 'accountant'): asserts accountant is AccountantName {
  check(accountant === 'rdp' || accountant === 'pld', name, accountant, '"rdp" or "pld"');
}

/**
 * ε at `delta` after `steps` Poisson-subsampled Gaussian steps (0 steps: ε = 0). A noise
 * multiplier of 0 means no privacy: ε = Infinity.
 */
export function subsampledGaussianEpsilon(mechanism: SubsampledGaussian, delta: number, accountant: AccountantName): number {
  checkAccountantName(accountant);
  check(Number.isSafeInteger(mechanism.steps) && mechanism.steps >= 0, 'steps', mechanism.steps, 'an integer ≥ 0');
  check(delta > 0 && delta < 1, 'delta', delta, 'in (0, 1)');
  if (mechanism.steps === 0) return 0;
  if (mechanism.noiseMultiplier === 0) return Number.POSITIVE_INFINITY;
  // One accountant holding one event, as DP-SGD's own accounting and `cohort dp epsilon` compute it.
  return dpSgdEpsilon({ ...mechanism, delta, accountant });
}

/** The smallest noise multiplier for which `steps` steps at `sampleRate` stay within (targetEpsilon, delta). */
export function calibrateNoiseMultiplier(request: { targetEpsilon: number; sampleRate: number; steps: number; delta: number; accountant: AccountantName }): number {
  return noiseMultiplierForEpsilon(request).noiseMultiplier;
}
