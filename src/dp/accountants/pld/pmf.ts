/**
 * A discrete privacy-loss distribution on the grid {k·h}: masses[i] is P(L = (offset + i)·h), plus a
 * mass at +∞. δ(ε) and ε(δ) are computed exactly for this discrete distribution
 * (hockey-stick divergence, Sommer, Meiser & Mohammadi 2019; Meiser & Mohammadi 2018, "Tight on budget?").
 */
import { check } from '../../../errors.js';

export interface LossPmf {
  /** Grid spacing h of the losses. */
  readonly interval: number;
  /** Grid index of masses[0]. */
  readonly offset: number;
  readonly masses: Float64Array;
  /** P(L = +∞), counted fully in δ. */
  readonly infinityMass: number;
}

export function lossAt(pmf: LossPmf, i: number): number {
  return (pmf.offset + i) * pmf.interval;
}

/** Total finite mass. */
export function finiteMass(pmf: LossPmf): number {
  let total = 0;
  for (let i = 0; i < pmf.masses.length; i++) total += pmf.masses[i] as number;
  return total;
}

/** Variance of the finite part, normalised by its mass (0 for an empty or one-point distribution). */
export function pmfVariance(pmf: LossPmf): number {
  let mass = 0;
  let mean = 0;
  for (let i = 0; i < pmf.masses.length; i++) {
    mass += pmf.masses[i] as number;
    mean += (pmf.masses[i] as number) * lossAt(pmf, i);
  }
  if (!(mass > 0)) return 0;
  mean /= mass;
  let variance = 0;
  for (let i = 0; i < pmf.masses.length; i++) variance += (pmf.masses[i] as number) * (lossAt(pmf, i) - mean) ** 2;
  return variance / mass;
}

/** δ(ε) = P(L = ∞) + Σ_{l > ε} p(l)·(1 − e^{ε − l}), capped at 1. */
export function pmfDelta(pmf: LossPmf, epsilon: number): number {
  check(Number.isFinite(epsilon) && epsilon >= 0, 'epsilon', epsilon, 'a finite number ≥ 0');
  let delta = 0;
  const { masses } = pmf;
  for (let i = masses.length - 1; i >= 0; i--) {
    const loss = lossAt(pmf, i);
    if (loss <= epsilon) break;
    delta += (masses[i] as number) * -Math.expm1(epsilon - loss);
  }
  return Math.min(1, delta + pmf.infinityMass);
}

/**
 * The smallest ε ≥ 0 with δ(ε) ≤ delta (Infinity when delta < P(L = ∞)). δ(ε) is continuous and
 * decreasing; between consecutive losses it is P∞ + S₁ − e^ε·S₂ with S₁ = Σ_{l>ε} p(l),
 * S₂ = Σ_{l>ε} p(l)e^{−l}, so the root is found exactly by one downward scan.
 */
export function pmfEpsilon(pmf: LossPmf, delta: number): number {
  check(delta > 0 && delta < 1, 'delta', delta, 'in (0, 1)');
  if (delta < pmf.infinityMass) return Infinity;
  const { masses } = pmf;
  let above = 0; // S₁
  let weighted = 0; // S₂
  for (let i = masses.length - 1; i >= 0; i--) {
    const loss = lossAt(pmf, i);
    const mass = masses[i] as number;
    if (loss <= 0) break;
    if (mass > 0) {
      above += mass;
      weighted += mass * Math.exp(-loss);
    }
    // Now valid on [previous loss, loss): the largest ε in the interval reached?
    const floor = Math.max(0, i > 0 ? lossAt(pmf, i - 1) : -Infinity);
    const deltaAtFloor = pmf.infinityMass + above - Math.exp(floor) * weighted;
    if (deltaAtFloor > delta) {
      const epsilon = Math.log((pmf.infinityMass + above - delta) / weighted);
      return Math.max(floor, Math.min(loss, epsilon));
    }
  }
  return 0;
}
