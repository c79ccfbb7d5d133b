/**
 * Continuous privacy-loss distributions (PLDs) of single mechanisms, one per adjacency direction.
 *
 * For a dominating pair (P, Q) the privacy loss is L = log(P(X)/Q(X)) with X ∼ P, and
 * δ(ε) = E[(1 − e^{ε−L})₊] + P(L = ∞) (Sommer, Meiser & Mohammadi 2019, "Privacy loss classes";
 * Koskela, Jälkö & Honkela 2020, "Computing tight differential privacy guarantees using FFT").
 * Under add/remove adjacency a Poisson-subsampled mechanism has two different pairs — "remove"
 * P = (1−q)·B₀ + q·B₁, Q = B₀ and "add" P = B₀, Q = (1−q)·B₀ + q·B₁ (B₀, B₁ the base mechanism's output
 * distributions on neighbouring inputs) — and the accountant reports the worse of the two, as Google's
 * dp_accounting does (Zhu, Dong & Wang 2022, "Optimal accounting of differential privacy via
 * characteristic function", Sec. 5). Symmetric mechanisms (Gaussian, Laplace, randomised response) have
 * the same PLD in both directions.
 *
 * Each distribution exposes cdf(t) = P(L ≤ t) (right-continuous, so atoms count at their own value)
 * and sf(t) = P(L > t), both accurate in their tails, and the same two functions under Q (cdfQ, sfQ),
 * which the "connect the dots" discretisation needs (dQ = e^{−L}·dP on finite losses).
 */
import { normalCdf, normalSf } from '../../math/special.js';

export interface LossDistribution {
  /** P(L ≤ t) over the finite losses. */
  cdf(t: number): number;
  /** P(L > t) over the finite losses (excludes infinityMass). */
  sf(t: number): number;
  /** Q(L ≤ t) over the finite losses: the same loss variable under the other distribution of the pair. */
  cdfQ(t: number): number;
  /** Q(L > t) over the finite losses. */
  sfQ(t: number): number;
  /** P(L = +∞): outcomes possible under P but not under Q. */
  readonly infinityMass: number;
  /** Smallest and largest finite loss, or ∓Infinity for unbounded tails. */
  readonly lower: number;
  readonly upper: number;
}

/**
 * Gaussian mechanism with sensitivity 1 and noise σ: L ∼ N(μ, 2μ), μ = 1/(2σ²)
 * (Dong, Roth & Su 2019, "Gaussian differential privacy"; Koskela et al. 2020 Sec. 6).
 */
export function gaussianLoss(noiseMultiplier: number): LossDistribution {
  const mean = 1 / (2 * noiseMultiplier * noiseMultiplier);
  const sd = 1 / noiseMultiplier;
  // Under Q = N(1, σ²) the same loss is N(−μ, 2μ).
  return {
    cdf: (t) => normalCdf((t - mean) / sd),
    sf: (t) => normalSf((t - mean) / sd),
    cdfQ: (t) => normalCdf((t + mean) / sd),
    sfQ: (t) => normalSf((t + mean) / sd),
    infinityMass: 0,
    lower: -Infinity,
    upper: Infinity,
  };
}

/**
 * Laplace mechanism with ε = sensitivity/scale: L = ε w.p. 1/2 (x ≤ 0), −ε w.p. e^{−ε}/2 (x ≥ 1) and
 * ε(1 − 2x) in between, so P(L ≤ t) = e^{−(ε−t)/2}/2 for −ε ≤ t < ε (Koskela et al. 2020, Sec. 6.2).
 */
export function laplaceLoss(epsilon: number): LossDistribution {
  const cdf = (t: number): number => {
    if (t < -epsilon) return 0;
    if (t >= epsilon) return 1;
    return 0.5 * Math.exp(-(epsilon - t) / 2);
  };
  // Under Q = Lap(1, 1/ε): Q(L > t) = Q(X < (1 − t/ε)/2) = e^{−(ε+t)/2}/2 for −ε ≤ t < ε.
  const sfQ = (t: number): number => {
    if (t < -epsilon) return 1;
    if (t >= epsilon) return 0;
    return 0.5 * Math.exp(-(epsilon + t) / 2);
  };
  return {
    cdf,
    sf: (t) => {
      if (t < -epsilon) return 1;
      if (t >= epsilon) return 0;
      return -Math.expm1(Math.log(0.5) - (epsilon - t) / 2);
    },
    cdfQ: (t) => 1 - sfQ(t),
    sfQ,
    infinityMass: 0,
    lower: -epsilon,
    upper: epsilon,
  };
}

/**
 * Binary randomised response with parameter ε, optionally failing with probability δ: the dominating
 * pair of every (ε, δ)-DP mechanism (Kairouz, Oh & Viswanath 2015, Thm 2.1; Murtagh & Vadhan 2016).
 * L = +∞ w.p. δ, +ε w.p. (1−δ)·e^ε/(1+e^ε), −ε w.p. (1−δ)/(1+e^ε).
 */
export function randomisedResponseLoss(epsilon: number, delta = 0): LossDistribution {
  const low = (1 - delta) / (1 + Math.exp(epsilon));
  const high = (1 - delta) - low;
  // Q swaps the two finite outcomes' probabilities (and puts δ at loss −∞, irrelevant to δ(ε)).
  return {
    cdf: (t) => (t < -epsilon ? 0 : t < epsilon ? low : low + high),
    sf: (t) => (t < -epsilon ? low + high : t < epsilon ? high : 0),
    cdfQ: (t) => (t < -epsilon ? 0 : t < epsilon ? high : low + high),
    sfQ: (t) => (t < -epsilon ? low + high : t < epsilon ? low : 0),
    infinityMass: delta,
    lower: -epsilon,
    upper: epsilon,
  };
}

/**
 * The base-loss threshold u(t) = log((e^t − (1−q))/q) = log1p(expm1(t)/q): for the mixture ratio
 * 1 − q + q·r, log(1 − q + q·r) ≤ t ⟺ log r ≤ u(t). −∞ when t ≤ log(1 − q).
 */
function mixtureThreshold(t: number, sampleRate: number): number {
  const inner = Math.expm1(t) / sampleRate;
  return inner <= -1 ? -Infinity : Math.log1p(inner);
}

/**
 * Poisson-subsampled Gaussian, remove direction: P = (1−q)N(0,σ²) + qN(1,σ²), Q = N(0,σ²),
 * L(x) = log(1 − q + q·e^{(2x−1)/(2σ²)}), increasing in x; L ≤ t ⟺ x ≤ σ²·u(t) + 1/2
 * (Mironov, Talwar & Zhang 2019 for the pair; Koskela et al. 2021 "Tight differential privacy for
 * discrete-valued mechanisms and for the subsampled Gaussian mechanism using FFT", Sec. 5).
 */
export function poissonGaussianRemoveLoss(noiseMultiplier: number, sampleRate: number): LossDistribution {
  const variance = noiseMultiplier * noiseMultiplier;
  const x = (t: number): number => variance * mixtureThreshold(t, sampleRate) + 0.5;
  const lower = Math.log1p(-sampleRate);
  return {
    cdf: (t) => {
      if (t <= lower) return 0;
      const at = x(t);
      return (1 - sampleRate) * normalCdf(at / noiseMultiplier) + sampleRate * normalCdf((at - 1) / noiseMultiplier);
    },
    sf: (t) => {
      if (t <= lower) return 1;
      const at = x(t);
      return (1 - sampleRate) * normalSf(at / noiseMultiplier) + sampleRate * normalSf((at - 1) / noiseMultiplier);
    },
    cdfQ: (t) => (t <= lower ? 0 : normalCdf(x(t) / noiseMultiplier)),
    sfQ: (t) => (t <= lower ? 1 : normalSf(x(t) / noiseMultiplier)),
    infinityMass: 0,
    lower,
    upper: Infinity,
  };
}

/**
 * Poisson-subsampled Gaussian, add direction: P = N(0,σ²), Q = (1−q)N(0,σ²) + qN(1,σ²),
 * L(x) = −log(1 − q + q·e^{(2x−1)/(2σ²)}), decreasing in x; L ≤ t ⟺ x ≥ σ²·u(−t) + 1/2.
 */
export function poissonGaussianAddLoss(noiseMultiplier: number, sampleRate: number): LossDistribution {
  const variance = noiseMultiplier * noiseMultiplier;
  const upper = -Math.log1p(-sampleRate);
  const x = (t: number): number => variance * mixtureThreshold(-t, sampleRate) + 0.5;
  return {
    cdf: (t) => (t >= upper ? 1 : normalSf(x(t) / noiseMultiplier)),
    sf: (t) => (t >= upper ? 0 : normalCdf(x(t) / noiseMultiplier)),
    cdfQ: (t) => {
      if (t >= upper) return 1;
      const at = x(t);
      return (1 - sampleRate) * normalSf(at / noiseMultiplier) + sampleRate * normalSf((at - 1) / noiseMultiplier);
    },
    sfQ: (t) => {
      if (t >= upper) return 0;
      const at = x(t);
      return (1 - sampleRate) * normalCdf(at / noiseMultiplier) + sampleRate * normalCdf((at - 1) / noiseMultiplier);
    },
    infinityMass: 0,
    lower: -Infinity,
    upper,
  };
}

/** Laplace(0, 1/ε) CDF and the CDF of Laplace(1, 1/ε). */
function laplaceCdf(x: number, epsilon: number, centre: number): number {
  const z = (x - centre) * epsilon;
  return z < 0 ? 0.5 * Math.exp(z) : 1 - 0.5 * Math.exp(-z);
}

/**
 * Poisson-subsampled Laplace (ε = sensitivity/scale), remove direction: with base ratio
 * log r(x) = ε(|x| − |x−1|) ∈ [−ε, ε] (increasing), L = log(1 − q + q·r(x)), X ∼ (1−q)Lap(0) + qLap(1)
 * (Koskela et al. 2021; dp_accounting's LaplacePrivacyLoss with sampling_prob).
 */
export function poissonLaplaceRemoveLoss(epsilon: number, sampleRate: number): LossDistribution {
  const lower = Math.log1p(sampleRate * Math.expm1(-epsilon));
  const upper = Math.log1p(sampleRate * Math.expm1(epsilon));
  // L ≤ t ⟺ x ≤ x_u, x_u = (u(t)/ε + 1)/2 since log r(x) = ε(2x − 1) on [0, 1].
  const threshold = (t: number): number => (Math.min(epsilon, Math.max(-epsilon, mixtureThreshold(t, sampleRate))) / epsilon + 1) / 2;
  const cdf = (t: number): number => {
    if (t < lower) return 0;
    if (t >= upper) return 1;
    const x = threshold(t);
    return (1 - sampleRate) * laplaceCdf(x, epsilon, 0) + sampleRate * laplaceCdf(x, epsilon, 1);
  };
  const cdfQ = (t: number): number => (t < lower ? 0 : t >= upper ? 1 : laplaceCdf(threshold(t), epsilon, 0));
  return { cdf, sf: (t) => 1 - cdf(t), cdfQ, sfQ: (t) => 1 - cdfQ(t), infinityMass: 0, lower, upper };
}

/** Poisson-subsampled Laplace, add direction: X ∼ Lap(0), L = −log(1 − q + q·r(x)), decreasing in x. */
export function poissonLaplaceAddLoss(epsilon: number, sampleRate: number): LossDistribution {
  const lower = -Math.log1p(sampleRate * Math.expm1(epsilon));
  const upper = -Math.log1p(sampleRate * Math.expm1(-epsilon));
  // L > t ⟺ log r(x) < u(−t) ⟺ x < x_u.
  const threshold = (t: number): number => (Math.min(epsilon, Math.max(-epsilon, mixtureThreshold(-t, sampleRate))) / epsilon + 1) / 2;
  const sf = (t: number): number => (t < lower ? 1 : t >= upper ? 0 : laplaceCdf(threshold(t), epsilon, 0));
  const sfQ = (t: number): number => {
    if (t < lower) return 1;
    if (t >= upper) return 0;
    const x = threshold(t);
    return (1 - sampleRate) * laplaceCdf(x, epsilon, 0) + sampleRate * laplaceCdf(x, epsilon, 1);
  };
  return { cdf: (t) => 1 - sf(t), sf, cdfQ: (t) => 1 - sfQ(t), sfQ, infinityMass: 0, lower, upper };
}
