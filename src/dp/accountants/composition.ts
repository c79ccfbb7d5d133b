/**
 * Composition theorems for mechanisms known only by their (ε, δ):
 * - basic: (Σεᵢ, Σδᵢ) (Dwork, McSherry, Nissim & Smith 2006; Dwork & Roth 2014, Thm 3.16);
 * - advanced: k-fold (ε, δ)-DP is (√(2k·ln(1/δ'))·ε + k·ε·(e^ε − 1), k·δ + δ')-DP for every δ' > 0
 *   (Dwork, Rothblum & Vadhan 2010, Thm III.3; Dwork & Roth 2014, Thm 3.20);
 * - optimal (homogeneous): the exact privacy region of k-fold composition, Kairouz, Oh & Viswanath
 *   (2015), "The composition theorem for differential privacy", Thm 3.3. Equivalently, the k-fold
 *   composition of the dominating randomised-response pair: losses (2j − k)·ε with probability
 *   (1−δ)^k·C(k, j)·p^j(1−p)^{k−j}, p = e^ε/(1+e^ε), and +∞ with probability 1 − (1−δ)^k.
 */
import { check } from '../../errors.js';
import { logAddExp, logBinomial } from '../math/special.js';

export interface ApproximateDp {
  readonly epsilon: number;
  readonly delta: number;
}

export interface RepeatedMechanism {
  readonly epsilon: number;
  /** Default 0 (pure DP). */
  readonly delta?: number;
  /** Default 1. */
  readonly count?: number;
}

function checkMechanism(mechanism: RepeatedMechanism, name: string): { epsilon: number; delta: number; count: number } {
  const epsilon = mechanism.epsilon;
  const delta = mechanism.delta ?? 0;
  const count = mechanism.count ?? 1;
  check(Number.isFinite(epsilon) && epsilon >= 0, `${name}.epsilon`, epsilon, 'a finite number ≥ 0');
  check(delta >= 0 && delta < 1, `${name}.delta`, delta, 'in [0, 1)');
  check(Number.isSafeInteger(count) && count >= 1, `${name}.count`, count, 'an integer ≥ 1');
  return { epsilon, delta, count };
}

/** Basic composition: ε and δ add up (δ capped at 1). */
export function basicComposition(mechanisms: readonly RepeatedMechanism[]): ApproximateDp {
  check(Array.isArray(mechanisms), 'mechanisms', mechanisms, 'an array');
  let epsilon = 0;
  let delta = 0;
  mechanisms.forEach((mechanism, i) => {
    const m = checkMechanism(mechanism, `mechanisms[${i}]`);
    epsilon += m.count * m.epsilon;
    delta += m.count * m.delta;
  });
  return { epsilon, delta: Math.min(1, delta) };
}

/**
 * Advanced composition of `count` runs of an (ε, δ)-DP mechanism with slack δ' = `deltaSlack`
 * (Dwork, Rothblum & Vadhan 2010, Thm III.3). Returns the tighter of the advanced and basic bounds.
 */
export function advancedComposition(mechanism: RepeatedMechanism, deltaSlack: number): ApproximateDp {
  const { epsilon, delta, count } = checkMechanism(mechanism, 'mechanism');
  check(deltaSlack > 0 && deltaSlack < 1, 'deltaSlack', deltaSlack, 'in (0, 1)');
  const advanced = Math.sqrt(2 * count * Math.log(1 / deltaSlack)) * epsilon + count * epsilon * Math.expm1(epsilon);
  const basic = count * epsilon;
  if (basic <= advanced) return { epsilon: basic, delta: Math.min(1, count * delta) };
  return { epsilon: advanced, delta: Math.min(1, count * delta + deltaSlack) };
}

interface CompositionPld {
  /** Ascending losses (2j − k)·ε. */
  readonly losses: Float64Array;
  readonly masses: Float64Array;
  readonly infinityMass: number;
}

function kFoldRandomisedResponse(epsilon: number, delta: number, count: number): CompositionPld {
  check(count <= 1e7, 'count', count, 'at most 1e7 for optimal composition');
  const logP = -Math.log1p(Math.exp(-epsilon)); // log(e^ε/(1+e^ε))
  const log1mP = -Math.log1p(Math.exp(epsilon));
  const logSurvive = count * Math.log1p(-delta);
  const losses = new Float64Array(count + 1);
  const masses = new Float64Array(count + 1);
  for (let j = 0; j <= count; j++) {
    losses[j] = (2 * j - count) * epsilon;
    masses[j] = Math.exp(logSurvive + logBinomial(count, j) + j * logP + (count - j) * log1mP);
  }
  return { losses, masses, infinityMass: -Math.expm1(logSurvive) };
}

/** δ(ε) of a discrete loss distribution: P(∞) + Σ_{l>ε} p(l)(1 − e^{ε−l}). */
function deltaOf(pld: CompositionPld, epsilon: number): number {
  let delta = pld.infinityMass;
  for (let j = pld.losses.length - 1; j >= 0 && (pld.losses[j] as number) > epsilon; j--) {
    delta += (pld.masses[j] as number) * -Math.expm1(epsilon - (pld.losses[j] as number));
  }
  return Math.min(1, delta);
}

/**
 * The exact δ at total privacy loss `epsilon` of `count` runs of an (ε₀, δ₀)-DP mechanism composed
 * adaptively (Kairouz et al. 2015, Thm 3.3).
 */
export function optimalCompositionDelta(mechanism: RepeatedMechanism, epsilon: number): number {
  const m = checkMechanism(mechanism, 'mechanism');
  check(Number.isFinite(epsilon) && epsilon >= 0, 'epsilon', epsilon, 'a finite number ≥ 0');
  if (m.epsilon === 0) return -Math.expm1(m.count * Math.log1p(-m.delta));
  return deltaOf(kFoldRandomisedResponse(m.epsilon, m.delta, m.count), epsilon);
}

/**
 * The smallest total ε at which `count` runs of an (ε₀, δ₀)-DP mechanism are (ε, targetDelta)-DP
 * (Kairouz et al. 2015, Thm 3.3), Infinity when targetDelta < 1 − (1 − δ₀)^count. Never larger than
 * the basic or advanced bound at the same total δ.
 */
export function optimalComposition(mechanism: RepeatedMechanism, targetDelta: number): ApproximateDp {
  const m = checkMechanism(mechanism, 'mechanism');
  check(targetDelta > 0 && targetDelta < 1, 'targetDelta', targetDelta, 'in (0, 1)');
  if (m.epsilon === 0) {
    const delta = -Math.expm1(m.count * Math.log1p(-m.delta));
    return { epsilon: delta <= targetDelta ? 0 : Infinity, delta: targetDelta };
  }
  const pld = kFoldRandomisedResponse(m.epsilon, m.delta, m.count);
  if (targetDelta < pld.infinityMass) return { epsilon: Infinity, delta: targetDelta };
  // Scan down the losses: on [l_{j−1}, l_j), δ(ε) = P∞ + S₁ − e^ε·S₂ (see pld/pmf.ts).
  // S₂ is kept in log space: losses k·ε can pass 700, where e^{−l} underflows.
  let above = 0;
  let logWeighted = -Infinity;
  for (let j = pld.losses.length - 1; j >= 0; j--) {
    const loss = pld.losses[j] as number;
    if (loss <= 0) break;
    const mass = pld.masses[j] as number;
    if (mass > 0) {
      above += mass;
      logWeighted = logAddExp(logWeighted, Math.log(mass) - loss);
    }
    const floor = Math.max(0, j > 0 ? (pld.losses[j - 1] as number) : 0);
    if (pld.infinityMass + above - Math.exp(floor + logWeighted) > targetDelta) {
      const epsilon = Math.log(pld.infinityMass + above - targetDelta) - logWeighted;
      return { epsilon: Math.max(floor, Math.min(loss, epsilon)), delta: targetDelta };
    }
  }
  return { epsilon: 0, delta: targetDelta };
}
