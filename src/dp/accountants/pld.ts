/**
 * The privacy-loss-distribution (PLD) accountant: the tightest ε of Cohort's accountants.
 *
 * Each mechanism's privacy-loss distribution (pld/loss-distributions.ts) is discretised pessimistically
 * on a grid of spacing `discretisation` (pld/discretise.ts), identical events are self-composed and all
 * events composed by FFT (pld/compose.ts), and δ(ε) / ε(δ) are read off the discrete distribution exactly
 * (pld/pmf.ts). The method is that of Koskela, Jälkö & Honkela (2020) and Koskela, Jälkö, Prediger &
 * Honkela (2021), with the pessimistic estimate and two-direction (add/remove) treatment of Google's
 * dp_accounting (Doroshenko, Ghazi, Kamath, Kumar & Manurangsi 2022, "Connect the dots", for context).
 *
 * Gaussian events on the full data set (kind 'gaussian', or 'poisson-gaussian' with sampleRate 1) are
 * first merged analytically into one Gaussian with σ_eff = (Σ cᵢ/σᵢ²)^−1/2 — exact (gaussian-exact.ts).
 * When nothing else was composed, ε and δ are that Gaussian's exact curve (Balle & Wang 2018);
 * otherwise it is discretised once and composed with the rest.
 *
 * What the returned δ includes: the discrete δ of the pessimistic PLD, the per-event upper tails sent to
 * +∞ (`tailMass` each), and the Chernoff bound on composed mass that wrapped around the FFT grid
 * (report().truncatedMass). The discretisation keeps each bin's P- and Q-mass ("connect the dots"), so
 * it has no drift that grows with the number of steps; it does add up to h²/4 of variance per step, so
 * when a repeated event's own loss spread is below 20·h (tiny sampling rates) the grid is refined to
 * spread/20 (at most 100× finer); report().discretisation gives the spacing used. At 1e-4, ε after
 * 10,000 steps at σ = 1.1, q = 0.01 is within ~3e-5 of its limit as the grid is refined.
 */
import { CohortError, check } from '../../errors.js';
import type { Accountant, AccountantReport } from './accountant.js';
import { checkDelta, checkEpsilon, eventRepetitions, mechanismKey, validateEvent, type PrivacyEvent } from './events.js';
import { composePmfs, trimPmf, type PmfComponent } from './pld/compose.js';
import { discretise } from './pld/discretise.js';
import {
  gaussianLoss,
  laplaceLoss,
  poissonGaussianAddLoss,
  poissonGaussianRemoveLoss,
  poissonLaplaceAddLoss,
  poissonLaplaceRemoveLoss,
  randomisedResponseLoss,
  type LossDistribution,
} from './pld/loss-distributions.js';
import { pmfDelta, pmfEpsilon, pmfVariance, type LossPmf } from './pld/pmf.js';
import { gaussianDelta, gaussianEpsilon } from './gaussian-exact.js';

export interface PldAccountantOptions {
  /** Grid spacing of the privacy losses (dp_accounting's value_discretization_interval); default 1e-4. */
  readonly discretisation?: number;
  /** Upper-tail mass of each event sent to +∞ when it is discretised; default 1e-15. */
  readonly tailMass?: number;
  /** Bound on composed mass allowed to wrap around the FFT grid (added to δ); default 1e-13. */
  readonly compositionTailMass?: number;
}

interface DirectionalLoss {
  readonly remove: LossDistribution;
  /** Absent when the mechanism is symmetric (same PLD in both directions). */
  readonly add?: LossDistribution;
}

/** The continuous PLD(s) of one repetition of the event's mechanism. */
export function lossDistributions(event: PrivacyEvent): DirectionalLoss {
  switch (event.kind) {
    case 'gaussian':
      return { remove: gaussianLoss(event.noiseMultiplier) };
    case 'poisson-gaussian':
      if (event.sampleRate === 1) return { remove: gaussianLoss(event.noiseMultiplier) };
      return {
        remove: poissonGaussianRemoveLoss(event.noiseMultiplier, event.sampleRate),
        add: poissonGaussianAddLoss(event.noiseMultiplier, event.sampleRate),
      };
    case 'laplace':
      return { remove: laplaceLoss(event.epsilon) };
    case 'poisson-laplace':
      if (event.sampleRate === 1) return { remove: laplaceLoss(event.epsilon) };
      return {
        remove: poissonLaplaceRemoveLoss(event.epsilon, event.sampleRate),
        add: poissonLaplaceAddLoss(event.epsilon, event.sampleRate),
      };
    case 'pure-dp':
      return { remove: randomisedResponseLoss(event.epsilon) };
    case 'approximate-dp':
      return { remove: randomisedResponseLoss(event.epsilon, event.delta) };
  }
}

interface Composed {
  readonly remove: LossPmf;
  readonly add: LossPmf;
  readonly truncatedMass: number;
  /** The grid spacing actually used (finer than requested for tiny per-step losses). */
  readonly interval: number;
}

/** Only full-batch Gaussians were composed: one exact Gaussian with this noise multiplier. */
interface ExactGaussian {
  readonly noiseMultiplier: number;
}

function isFullBatchGaussian(event: PrivacyEvent): event is PrivacyEvent & { noiseMultiplier: number } {
  return event.kind === 'gaussian' || (event.kind === 'poisson-gaussian' && event.sampleRate === 1);
}

export class PldAccountant implements Accountant {
  readonly name = 'pld' as const;
  readonly discretisation: number;
  private readonly tailMass: number;
  private readonly compositionTailMass: number;
  private readonly history: PrivacyEvent[] = [];
  private composed: Composed | ExactGaussian | undefined;

  constructor(options: PldAccountantOptions = {}) {
    this.discretisation = options.discretisation ?? 1e-4;
    this.tailMass = options.tailMass ?? 1e-15;
    this.compositionTailMass = options.compositionTailMass ?? 1e-13;
    check(
      this.discretisation > 0 && this.discretisation <= 1,
      'discretisation',
      this.discretisation,
      'in (0, 1]',
    );
    check(this.tailMass > 0 && this.tailMass < 1e-3, 'tailMass', this.tailMass, 'in (0, 1e-3)');
    check(
      this.compositionTailMass > 0 && this.compositionTailMass < 1e-3,
      'compositionTailMass',
      this.compositionTailMass,
      'in (0, 1e-3)',
    );
  }

  get events(): readonly PrivacyEvent[] {
    return this.history;
  }

  compose(event: PrivacyEvent): this {
    validateEvent(event);
    this.history.push(Object.freeze({ ...event }));
    this.composed = undefined;
    return this;
  }

  getDelta(epsilon: number): number {
    checkEpsilon(epsilon);
    if (this.history.length === 0) return 0;
    const composed = this.compose_();
    if ('noiseMultiplier' in composed) return gaussianDelta(composed.noiseMultiplier, epsilon);
    const { remove, add } = composed;
    return Math.max(pmfDelta(remove, epsilon), add === remove ? 0 : pmfDelta(add, epsilon));
  }

  getEpsilon(delta: number): number {
    checkDelta(delta);
    if (this.history.length === 0) return 0;
    const composed = this.compose_();
    if ('noiseMultiplier' in composed) return gaussianEpsilon(composed.noiseMultiplier, delta);
    const { remove, add } = composed;
    return Math.max(pmfEpsilon(remove, delta), add === remove ? 0 : pmfEpsilon(add, delta));
  }

  report(delta: number): AccountantReport {
    const epsilon = this.getEpsilon(delta);
    return {
      accountant: 'pld',
      epsilon,
      delta,
      events: [...this.history],
      discretisation: this.composed !== undefined && 'interval' in this.composed ? this.composed.interval : this.discretisation,
      truncatedMass: this.composed !== undefined && 'truncatedMass' in this.composed ? this.composed.truncatedMass : 0,
    };
  }

  /** Builds (once per change) the composed PLDs in both directions, or the exact merged Gaussian. */
  private compose_(): Composed | ExactGaussian {
    if (this.composed !== undefined) return this.composed;

    // Merge full-batch Gaussians exactly; group the rest by mechanism and sum repetitions.
    let gaussianPrecision = 0;
    const groups = new Map<string, { event: PrivacyEvent; count: number }>();
    for (const event of this.history) {
      if (isFullBatchGaussian(event)) {
        gaussianPrecision += eventRepetitions(event) / (event.noiseMultiplier * event.noiseMultiplier);
        continue;
      }
      const key = mechanismKey(event);
      const group = groups.get(key);
      if (group === undefined) groups.set(key, { event, count: eventRepetitions(event) });
      else group.count += eventRepetitions(event);
    }

    if (groups.size === 0) {
      // Only full-batch Gaussians: their composition is exactly one Gaussian, no discretisation needed.
      this.composed = { noiseMultiplier: 1 / Math.sqrt(gaussianPrecision) };
      return this.composed;
    }

    const build = (interval: number): { remove: PmfComponent[]; add: PmfComponent[]; symmetric: boolean } => {
      const discretiseOptions = { interval, tailMass: this.tailMass };
      const remove: PmfComponent[] = [];
      const add: PmfComponent[] = [];
      let symmetric = true;
      if (gaussianPrecision > 0) {
        const pmf = discretise(gaussianLoss(1 / Math.sqrt(gaussianPrecision)), discretiseOptions);
        remove.push({ pmf, count: 1 });
        add.push({ pmf, count: 1 });
      }
      for (const { event, count } of groups.values()) {
        const distributions = lossDistributions(event);
        const removePmf = discretise(distributions.remove, discretiseOptions);
        remove.push({ pmf: removePmf, count });
        if (distributions.add === undefined) {
          add.push({ pmf: removePmf, count });
        } else {
          symmetric = false;
          add.push({ pmf: discretise(distributions.add, discretiseOptions), count });
        }
      }
      return { remove, add, symmetric };
    };

    const composeOptions = { tailMass: this.compositionTailMass };
    const run = (interval: number, built = build(interval)): Composed => {
      const { remove: removeComponents, add: addComponents, symmetric } = built;
      const removeResult = composePmfs(removeComponents, composeOptions);
      const addResult = symmetric ? removeResult : composePmfs(addComponents, composeOptions);
      // Drop the FFT's round-off dust at the ends (pessimistically, ≤ 1e-18 each end).
      const remove = trimPmf(removeResult.pmf, 1e-18);
      const add = symmetric ? remove : trimPmf(addResult.pmf, 1e-18);
      return { remove, add, truncatedMass: Math.max(removeResult.truncatedMass, addResult.truncatedMass), interval };
    };

    // Splitting a bin onto its two ends keeps its P- and Q-mass but adds up to h²/4 of variance per
    // step, which accumulates over repetitions. When a repeated event's own loss spread is not well
    // above the grid (tiny sampling rates), refine the grid to a twentieth of that spread (at most
    // 100× finer, and coarser again if the finer grid would be too long).
    const interval = this.discretisation;
    let spread = Infinity;
    const coarse = build(interval);
    coarse.remove.concat(coarse.add).forEach(({ pmf, count }) => {
      if (count > 1) spread = Math.min(spread, Math.sqrt(Math.max(0, pmfVariance(pmf) - (interval * interval) / 4)));
    });
    let result: Composed | undefined;
    if (spread / 20 < interval) {
      for (let fine = Math.max(interval / 100, spread / 20); fine < interval && result === undefined; fine *= 4) {
        try {
          result = run(fine);
        } catch (error) {
          if (!(error instanceof CohortError && error.code === 'UNSUPPORTED')) throw error;
        }
      }
    }
    this.composed = result ?? run(interval, coarse);
    return this.composed;
  }
}

/** ε of `steps` Poisson-subsampled Gaussian steps by PLD. */
export function pldEpsilon(params: {
  readonly noiseMultiplier: number;
  readonly sampleRate: number;
  readonly steps: number;
  readonly delta: number;
  readonly discretisation?: number;
}): number {
  const accountant = new PldAccountant(params.discretisation === undefined ? {} : { discretisation: params.discretisation });
  accountant.compose({
    kind: 'poisson-gaussian',
    noiseMultiplier: params.noiseMultiplier,
    sampleRate: params.sampleRate,
    steps: params.steps,
  });
  return accountant.getEpsilon(params.delta);
}
