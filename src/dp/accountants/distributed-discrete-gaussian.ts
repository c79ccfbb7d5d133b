/**
 * Privacy of the distributed discrete Gaussian (Kairouz, Liu & Steinke, "The Distributed Discrete
 * Gaussian Mechanism for Federated Learning with Secure Aggregation", ICML 2021, arXiv:2102.06387):
 * each of n clients adds X_i ~ N_Z(0, σ²)^d to its integer vector and only the sum is released.
 * The sum of discrete Gaussians is not a discrete Gaussian; their Theorem 1 / Proposition 14
 * (Eq. 17) bounds the Rényi divergence of Z = Σ_i X_i against Z + Δ for an integer shift Δ with
 * ‖Δ‖₂ ≤ Δ₂ and ‖Δ‖₁ ≤ Δ₁, at every order α ≥ 1, by
 *
 *   D_α ≤ min{ α/2·Δ₂²/(nσ²) + τd,
 *              α/2·(Δ₂²/(nσ²) + 2τ·Δ₁/(√n·σ) + τ²d),
 *              α/2·(Δ₂/(√n·σ) + τ√d)² },      τ = 10·Σ_{k=1}^{n−1} e^{−2π²σ²·k/(k+1)}
 *
 * (the three terms as google-research/federated distributed_dp/accounting_utils.py,
 * compute_rdp_dgaussian, implements them). With τ = 0 (n = 1, or σ large) this is the RDP of the
 * Gaussian mechanism with noise multiplier √n·σ/Δ₂. Since τd ≤ α·τd for α ≥ 1, every term is at
 * most α·ε²/2 with ε the paper's concentrated-DP parameter
 *   ε = min{ √(Δ₂²/(nσ²) + 2τd), √(Δ₂²/(nσ²) + 2τΔ₁/(√nσ) + τ²d), Δ₂/(√nσ) + τ√d }.
 *
 * Conditional randomised rounding (their Section 4, Theorem 1 / Proposition 22): a real vector of
 * norm ≤ c, stochastically rounded to the integers and re-rounded until its norm is at most
 *   min{ c + √d, √(c² + d/4 + √(2·ln(1/β))·(c + √d/2)) }
 * has that norm bound (β = 0 leaves only the first term). An integer vector has ‖x‖₁ ≤ ‖x‖₂², so
 * Δ₁ = Δ₂·min(√d, Δ₂).
 *
 * Composition over rounds adds RDP (Mironov 2017); the (ε, δ) conversion is rdpToEpsilon (Balle et
 * al. 2020 Thm 21, the same as Canonne, Kamath & Steinke 2020 Prop. 12 in tensorflow_privacy).
 */
import { check } from '../../errors.js';
import { DEFAULT_RDP_ORDERS, rdpToEpsilon } from './rdp-analysis.js';
import { EXTENDED_RDP_ORDERS } from './rdp.js';

/** β = e^{−1/2}, the conditional-rounding parameter the paper recommends. */
export const DEFAULT_CONDITIONAL_ROUNDING_BETA = Math.exp(-0.5);

/** One round of the mechanism, in the integer (scaled) domain. */
export interface DistributedDiscreteGaussianRound {
  /** Δ₂: L2 norm bound of one client's integer vector (the sensitivity of the sum). */
  readonly l2Sensitivity: number;
  /** Δ₁: L1 bound; default Δ₂·min(√d, Δ₂) (integer vectors). */
  readonly l1Sensitivity?: number;
  /** σ² of each client's N_Z(0, σ²) per coordinate. */
  readonly localVariance: number;
  /** n: how many clients' noise the released sum contains (at least). */
  readonly noiseShares: number;
  /** d: the vector's length. */
  readonly dimension: number;
}

function checkPositiveFinite(name: string, value: number): void {
  check(typeof value === 'number' && Number.isFinite(value) && value > 0, name, value, 'a finite number > 0');
}

function checkCount(name: string, value: number): void {
  check(Number.isSafeInteger(value) && value >= 1, name, value, 'an integer ≥ 1');
}

/** τ = 10·Σ_{k=1}^{n−1} exp(−2π²σ²·k/(k+1)) (Kairouz, Liu & Steinke 2021, Theorem 1). */
export function distributedDiscreteGaussianTau(localVariance: number, noiseShares: number): number {
  checkPositiveFinite('localVariance', localVariance);
  checkCount('noiseShares', noiseShares);
  let sum = 0;
  const rate = 2 * Math.PI * Math.PI * localVariance;
  for (let k = 1; k < noiseShares; k++) {
    const term = Math.exp((-rate * k) / (k + 1));
    sum += term;
    // The exponent decreases towards −rate: once a term underflows every later one does too.
    if (term === 0) break;
  }
  return 10 * sum;
}

/**
 * The norm bound after conditional randomised rounding of a vector of norm ≤ `norm` (already
 * scaled to the integer grid) in dimension d (Kairouz, Liu & Steinke 2021, Theorem 1 /
 * Proposition 22). β = 0 means plain (unconditional) randomised rounding: ‖x‖ + √d.
 */
export function roundedL2NormBound(norm: number, dimension: number, beta = DEFAULT_CONDITIONAL_ROUNDING_BETA): number {
  check(typeof norm === 'number' && Number.isFinite(norm) && norm >= 0, 'norm', norm, 'a finite number ≥ 0');
  checkCount('dimension', dimension);
  check(typeof beta === 'number' && beta >= 0 && beta < 1, 'beta', beta, 'in [0, 1)');
  const sqrtD = Math.sqrt(dimension);
  const first = norm + sqrtD;
  if (beta === 0) return first;
  const second = Math.sqrt(norm * norm + dimension / 4 + Math.sqrt(2 * Math.log(1 / beta)) * (norm + sqrtD / 2));
  return Math.min(first, second);
}

/** L1 bound of an integer vector with L2 norm ≤ Δ₂ in dimension d: Δ₂·min(√d, Δ₂). */
export function roundedL1NormBound(l2Bound: number, dimension: number): number {
  check(typeof l2Bound === 'number' && Number.isFinite(l2Bound) && l2Bound >= 0, 'l2Bound', l2Bound, 'a finite number ≥ 0');
  checkCount('dimension', dimension);
  return l2Bound * Math.min(Math.sqrt(dimension), l2Bound);
}

interface Scaled {
  /** Δ₂/(√n·σ). */
  readonly l2: number;
  /** Δ₁/(√n·σ). */
  readonly l1: number;
  readonly tau: number;
  readonly dimension: number;
}

function scaled(round: DistributedDiscreteGaussianRound): Scaled {
  check(typeof round === 'object' && round !== null, 'round', round, 'an object');
  checkPositiveFinite('l2Sensitivity', round.l2Sensitivity);
  checkPositiveFinite('localVariance', round.localVariance);
  checkCount('noiseShares', round.noiseShares);
  checkCount('dimension', round.dimension);
  const l1Sensitivity = round.l1Sensitivity ?? roundedL1NormBound(round.l2Sensitivity, round.dimension);
  checkPositiveFinite('l1Sensitivity', l1Sensitivity);
  const centralStd = Math.sqrt(round.noiseShares * round.localVariance);
  return {
    l2: round.l2Sensitivity / centralStd,
    l1: l1Sensitivity / centralStd,
    tau: distributedDiscreteGaussianTau(round.localVariance, round.noiseShares),
    dimension: round.dimension,
  };
}

function rdpOfScaled(s: Scaled, order: number): number {
  const half = order / 2;
  const first = half * s.l2 * s.l2 + s.tau * s.dimension;
  const second = half * (s.l2 * s.l2 + 2 * s.l1 * s.tau + s.tau * s.tau * s.dimension);
  const root = s.l2 + Math.sqrt(s.dimension) * s.tau;
  return Math.min(first, second, half * root * root);
}

/** RDP at `order` (> 1) of one release of the noisy sum (Proposition 14 / Eq. 17; file header). */
export function distributedDiscreteGaussianRdp(round: DistributedDiscreteGaussianRound, order: number): number {
  check(typeof order === 'number' && order > 1 && Number.isFinite(order), 'order', order, 'a finite number > 1');
  return rdpOfScaled(scaled(round), order);
}

/** The paper's ε for ½ε²-concentrated DP of one release (Theorem 1; file header). */
export function distributedDiscreteGaussianConcentratedEpsilon(round: DistributedDiscreteGaussianRound): number {
  const s = scaled(round);
  const l2Squared = s.l2 * s.l2;
  return Math.min(
    Math.sqrt(l2Squared + 2 * s.tau * s.dimension),
    Math.sqrt(l2Squared + 2 * s.tau * s.l1 + s.tau * s.tau * s.dimension),
    s.l2 + s.tau * Math.sqrt(s.dimension),
  );
}

/** Default orders: the RDP accountant's list and its extension (the bound holds at every α > 1). */
export const DISTRIBUTED_DISCRETE_GAUSSIAN_ORDERS: readonly number[] = Object.freeze([...DEFAULT_RDP_ORDERS, ...EXTENDED_RDP_ORDERS]);

export interface DistributedDiscreteGaussianAccounting {
  readonly epsilon: number;
  /** The Rényi order at which the conversion was tightest. */
  readonly optimalOrder: number;
}

/**
 * ε at δ after `rounds` releases of the same round (RDP composes additively), converted at the
 * best order. rounds = 0 gives ε = 0.
 */
export function distributedDiscreteGaussianEpsilon(
  round: DistributedDiscreteGaussianRound,
  rounds: number,
  delta: number,
  orders: readonly number[] = DISTRIBUTED_DISCRETE_GAUSSIAN_ORDERS,
): DistributedDiscreteGaussianAccounting {
  check(Number.isSafeInteger(rounds) && rounds >= 0, 'rounds', rounds, 'an integer ≥ 0');
  check(typeof delta === 'number' && delta > 0 && delta < 1, 'delta', delta, 'in (0, 1)');
  const s = scaled(round);
  if (rounds === 0) return { epsilon: 0, optimalOrder: Number.NaN };
  const curve = orders.map((order) => {
    check(typeof order === 'number' && order > 1, 'orders[]', order, 'numbers > 1');
    return rounds * rdpOfScaled(s, order);
  });
  const best = rdpToEpsilon(orders, curve, delta);
  return { epsilon: best.value, optimalOrder: best.order };
}
