/** What every mechanism returns: its output together with the guarantee it gives. */

export type MechanismName =
  | 'laplace'
  | 'gaussian'
  | 'discrete-laplace'
  | 'discrete-gaussian'
  | 'exponential'
  | 'report-noisy-max'
  | 'permute-and-flip'
  | 'composition';

export interface NoiseDescription {
  readonly distribution: 'discrete-laplace' | 'discrete-gaussian' | 'exponential-mechanism';
  /** Discrete Laplace scale b (P ∝ exp(−|z|/b)), in units of the released value. */
  readonly scale?: number;
  /** Discrete Gaussian parameter σ, in units of the released value. */
  readonly standardDeviation?: number;
}

export interface PrivacyGuarantee {
  readonly mechanism: MechanismName;
  /** ε of (ε, δ)-DP under add/remove-one neighbouring (one privacy unit added or removed). */
  readonly epsilon: number;
  /** δ of (ε, δ)-DP; 0 for pure DP. */
  readonly delta: number;
  /** ρ of ρ-zCDP (Bun & Steinke 2016) where the mechanism has a tight one (discrete Gaussian). */
  readonly rho?: number;
  /**
   * The sensitivity the caller declared (ℓ1 for Laplace, ℓ2 for Gaussian, utility for selection);
   * absent for a composition, whose parts carry theirs.
   */
  readonly sensitivity?: number;
  /** The sensitivity actually protected after rounding to the grid (≥ sensitivity, ≤ sensitivity + granularity). */
  readonly effectiveSensitivity?: number;
  /** Grid spacing the value was rounded to before noise (a power of two). */
  readonly granularity?: number;
  readonly noise?: NoiseDescription;
  /** How σ was chosen for Gaussian noise ('zcdp': from ρ by Bun & Steinke 2016, Prop. 1.3). */
  readonly calibration?: 'analytic' | 'classic' | 'zcdp';
  /** For a composition: the guarantees composed (basic composition: ε and δ add up). */
  readonly parts?: readonly PrivacyGuarantee[];
}

/**
 * Basic composition (Dwork, Kenthapadi, McSherry, Mironov & Naor, EUROCRYPT 2006; Dwork & Roth
 * 2014, Theorem 3.16): running mechanisms that are (ε_i, δ_i)-DP on the same data is
 * (Σε_i, Σδ_i)-DP; zCDP ρ adds up likewise (Bun & Steinke 2016) when every part has one.
 */
export function composeBasic(parts: readonly PrivacyGuarantee[]): PrivacyGuarantee {
  let epsilon = 0;
  let delta = 0;
  let rho: number | undefined = 0;
  for (const p of parts) {
    epsilon += p.epsilon;
    delta += p.delta;
    rho = rho !== undefined && p.rho !== undefined ? rho + p.rho : undefined;
  }
  return { mechanism: 'composition', epsilon, delta, ...(rho !== undefined && parts.length > 0 ? { rho } : {}), parts };
}

export interface Released<T> {
  readonly value: T;
  readonly guarantee: PrivacyGuarantee;
}
