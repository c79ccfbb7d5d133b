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
  /** The sensitivity the caller declared (ℓ1 for Laplace, ℓ2 for Gaussian, utility for selection). */
  readonly sensitivity: number;
  /** The sensitivity actually protected after rounding to the grid (≥ sensitivity, ≤ sensitivity + granularity). */
  readonly effectiveSensitivity?: number;
  /** Grid spacing the value was rounded to before noise (a power of two). */
  readonly granularity?: number;
  readonly noise?: NoiseDescription;
  /** How σ was chosen for Gaussian noise. */
  readonly calibration?: 'analytic' | 'classic' | 'given';
}

export interface Released<T> {
  readonly value: T;
  readonly guarantee: PrivacyGuarantee;
}
