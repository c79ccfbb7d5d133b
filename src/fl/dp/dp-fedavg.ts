/**
 * DP-FedAvg with user-level differential privacy (McMahan, Ramage, Talwar & Zhang, ICLR 2018,
 * "Learning differentially private recurrent language models", Algorithm 1), as a wrapper around
 * any mean-aggregating strategy: `new DpFedAvg(new FedAvg(...), { noiseMultiplier, clippingNorm })`.
 *
 * Each round:
 *  1. every client takes part independently with probability q = sampleRate (Poisson sampling,
 *     from the CSPRNG); the inner strategy configures the sampled clients, and each fit config
 *     carries the clipping norm C so that clients clip their own update;
 *  2. the server re-checks every update Δ_k = w_k − w_global and clips it to ‖Δ_k‖ ≤ C (a client
 *     that did not clip, or clipped wrongly, cannot exceed its influence bound);
 *  3. the inner strategy averages the clipped updates with equal weights (every numExamples is
 *     set to 1: weighting by example counts would let one client's weight exceed 1/m and break the
 *     sensitivity bound), and the wrapper checks that its result is that mean;
 *  4. Gaussian noise N(0, z²C²) is added to the SUM of the clipped updates, and the sum is divided
 *     by the EXPECTED number of clients m = q·K, not the number received: the fixed-denominator
 *     estimator f̃_f of McMahan et al. 2018 (Section 2, "the estimator f̃_f(C) = Σ_k w_k Δ_k / (qW)"),
 *     whose sensitivity is C/m whatever the sample size:
 *        w ← w + (Σ_k clip(Δ_k) + N(0, z²C²·I)) / m.
 *
 * Sensitivity: adding or removing one user changes Σ_k clip(Δ_k) by at most C in L2, so each
 * round is the sampled Gaussian mechanism with noise multiplier z and sampling rate q, accounted
 * across rounds by RDP or PLD (accounting.ts). With adaptive clipping (Andrew et al. 2021) the
 * clipping norm moves each round and the noise multiplier is split (adaptive-clipping.ts).
 *
 * A sample can be empty (probability (1 − q)^K). The wrapper then chooses no client
 * (`allowsEmptyRounds`: the round loop accepts that and still calls aggregateFit) and releases
 * w + N(0, z²C²·I)/m — noise on the zero sum, exactly what the mechanism does with an empty sample.
 */
import type { RandomSource } from '../../crypto/random.js';
import { CohortError, check } from '../../errors.js';
import { firstNonFinite } from '../../aggregation/index.js';
import type {
  AggregateEvaluateContext,
  AggregateFitContext,
  AggregateFitResult,
  ConfigureFitContext,
  EvaluateInstruction,
  FitInstruction,
  FitOutcome,
  Strategy,
} from '../strategy.js';
import { AdaptiveClipping, defaultCountNoiseStd, updateNoiseMultiplier } from './adaptive-clipping.js';
import { checkClippingNorm, clipUpdate } from './clipping.js';
import { DP_CLIPPING_NORM_KEY, DP_UNCLIPPED_METRIC } from './fit-config-keys.js';
import { addGaussianNoise } from './gaussian-noise.js';
import { poissonSample } from './poisson-sampling.js';

export interface AdaptiveClippingSettings {
  /** Target quantile γ of the update norms. Default 0.5 (Andrew et al. 2021). */
  readonly targetQuantile?: number;
  /** Learning rate η of the geometric update. Default 0.2. */
  readonly learningRate?: number;
  /** Standard deviation σ_b of the noise on the count of unclipped updates. Default m/20. */
  readonly countNoiseStd?: number;
}

export interface DpFedAvgOptions {
  /**
   * The noise multiplier z the accountant sees: per round the release is as private as the
   * Gaussian mechanism with noise std z·C on a sum of sensitivity C. 0 turns the noise off (no privacy).
   */
  readonly noiseMultiplier: number;
  /** Clipping norm C of each client's update (the starting norm with adaptive clipping). */
  readonly clippingNorm: number;
  /** Probability that a client takes part in a round, in (0, 1]. Default 1. */
  readonly sampleRate?: number;
  /** Adaptive clipping (Andrew et al. 2021): `true` for the defaults, or the settings. */
  readonly adaptiveClipping?: boolean | AdaptiveClippingSettings;
  /** Send the clipping norm to clients so that they clip before sending (the server clips again anyway). Default true. */
  readonly clipOnClients?: boolean;
  /** Source of the sampling and the noise; the CSPRNG by default (a seeded source only in tests). */
  readonly rng?: RandomSource;
}

/** What the wrapper did in one round (for run results; the noise itself is never reported). */
export interface DpRoundRecord {
  readonly round: number;
  /** Clients sampled this round (0 in an empty round). */
  readonly sampledClients: number;
  /** Updates received and aggregated. */
  readonly receivedUpdates: number;
  /** The fixed denominator m = q·K. */
  readonly expectedClients: number;
  /** Clipping norm C used this round. */
  readonly clippingNorm: number;
  /** Standard deviation of the noise added to the sum of updates (z_Δ·C). */
  readonly noiseStd: number;
  /** Updates the server had to clip because they arrived above C. */
  readonly serverClipped: number;
  /** With adaptive clipping: the released noised fraction of unclipped updates and the next norm. */
  readonly noisedUnclippedFraction?: number;
  readonly nextClippingNorm?: number;
}

interface PendingRound {
  readonly round: number;
  readonly sampledIds: ReadonlySet<string>;
  readonly expectedClients: number;
  readonly clippingNorm: number;
}

/** Relative slack before the server counts an update as arriving unclipped (float32 rounding of a clipped update). */
const CLIP_TOLERANCE = 1e-5;

export class DpFedAvg implements Strategy {
  readonly name: string;
  readonly inner: Strategy;
  readonly noiseMultiplier: number;
  readonly sampleRate: number;
  /** Poisson sampling may choose nobody; such a round still releases (noise only). */
  readonly allowsEmptyRounds = true;
  /** The noise multiplier applied to the update sum: z, or z_Δ > z with adaptive clipping. */
  private updateNoise: number | undefined;
  private readonly fixedClippingNorm: number;
  private readonly adaptive: AdaptiveClipping | undefined;
  private readonly countNoiseStdOption: number | undefined;
  private countNoiseStd = 0;
  private readonly clipOnClients: boolean;
  private readonly rng: RandomSource | undefined;
  private pending: PendingRound | undefined;
  private readonly log: DpRoundRecord[] = [];

  constructor(inner: Strategy, options: DpFedAvgOptions) {
    check(typeof inner === 'object' && inner !== null && typeof inner.configureFit === 'function' && typeof inner.aggregateFit === 'function', 'inner', inner, 'a Strategy');
    check(typeof options === 'object' && options !== null, 'options', options, 'an object');
    check(Number.isFinite(options.noiseMultiplier) && options.noiseMultiplier >= 0, 'noiseMultiplier', options.noiseMultiplier, 'a finite number ≥ 0');
    checkClippingNorm(options.clippingNorm);
    const sampleRate = options.sampleRate ?? 1;
    check(Number.isFinite(sampleRate) && sampleRate > 0 && sampleRate <= 1, 'sampleRate', sampleRate, 'in (0, 1]');
    this.inner = inner;
    this.noiseMultiplier = options.noiseMultiplier;
    this.sampleRate = sampleRate;
    this.fixedClippingNorm = options.clippingNorm;
    this.clipOnClients = options.clipOnClients ?? true;
    this.rng = options.rng;
    const adaptive = options.adaptiveClipping;
    if (adaptive === undefined || adaptive === false) {
      this.adaptive = undefined;
      this.countNoiseStdOption = undefined;
      this.updateNoise = options.noiseMultiplier;
    } else {
      const settings = adaptive === true ? {} : adaptive;
      this.adaptive = new AdaptiveClipping({
        initialClippingNorm: options.clippingNorm,
        ...(settings.targetQuantile === undefined ? {} : { targetQuantile: settings.targetQuantile }),
        ...(settings.learningRate === undefined ? {} : { learningRate: settings.learningRate }),
      });
      if (settings.countNoiseStd !== undefined) {
        check(Number.isFinite(settings.countNoiseStd) && settings.countNoiseStd > 0, 'countNoiseStd', settings.countNoiseStd, 'a finite number > 0');
        this.countNoiseStdOption = settings.countNoiseStd;
        this.countNoiseStd = settings.countNoiseStd;
        this.updateNoise = updateNoiseMultiplier(options.noiseMultiplier, settings.countNoiseStd);
      } else {
        // σ_b = m/20 needs m, known once the clients are (prepare() or the first round).
        this.countNoiseStdOption = undefined;
        this.updateNoise = undefined;
      }
    }
    this.name = `DP-FedAvg(${inner.name}, z=${short(options.noiseMultiplier)}, C=${short(options.clippingNorm)}${this.adaptive ? ' adaptive' : ''}, q=${short(sampleRate)})`;
  }

  /**
   * Fixes the settings that depend on the population size K (σ_b = m/20 with m = q·K) and checks
   * them, so that an impossible adaptive-clipping split fails before any training.
   */
  prepare(totalClients: number): void {
    check(Number.isInteger(totalClients) && totalClients >= 1, 'totalClients', totalClients, 'an integer ≥ 1');
    if (this.adaptive && this.countNoiseStdOption === undefined) {
      this.countNoiseStd = defaultCountNoiseStd(this.sampleRate * totalClients);
      this.updateNoise = updateNoiseMultiplier(this.noiseMultiplier, this.countNoiseStd);
    }
  }

  /** The current clipping norm (moves each round with adaptive clipping). */
  get clippingNorm(): number {
    return this.adaptive ? this.adaptive.clippingNorm : this.fixedClippingNorm;
  }

  /** Noise multiplier on the update sum (z, or z_Δ with adaptive clipping); known after prepare() or the first round. */
  get updateNoiseMultiplier(): number | undefined {
    return this.updateNoise;
  }

  /** Standard deviation σ_b of the count noise (0 without adaptive clipping). */
  get clipCountNoiseStd(): number {
    return this.countNoiseStd;
  }

  /** The adaptive-clipping settings, or undefined with fixed clipping. */
  get adaptiveClipping(): { readonly targetQuantile: number; readonly learningRate: number } | undefined {
    return this.adaptive === undefined ? undefined : { targetQuantile: this.adaptive.targetQuantile, learningRate: this.adaptive.learningRate };
  }

  /** One record per aggregated round, oldest first. */
  get rounds(): readonly DpRoundRecord[] {
    return this.log;
  }

  initialize(initialWeights: Float32Array): Float32Array | Promise<Float32Array> {
    return this.inner.initialize ? this.inner.initialize(initialWeights) : initialWeights;
  }

  async configureFit(context: ConfigureFitContext): Promise<readonly FitInstruction[]> {
    const total = context.clients.length;
    check(total >= 1, 'clients.length', total, 'at least 1');
    if (this.updateNoise === undefined) this.prepare(total);
    const expectedClients = this.sampleRate * total;
    const clippingNorm = this.clippingNorm;
    const sampled = poissonSample(context.clients, this.sampleRate, this.rng);
    if (sampled.length === 0) {
      this.pending = { round: context.round, sampledIds: new Set(), expectedClients, clippingNorm };
      return [];
    }
    const instructions = await this.inner.configureFit({ ...context, clients: sampled });
    const sampledIds = new Set(sampled.map((client) => client.id));
    const seen = new Set<string>();
    for (const instruction of instructions) {
      if (!sampledIds.has(instruction.clientId) || seen.has(instruction.clientId)) {
        throw new CohortError('UNSUPPORTED', `round ${context.round}: inner strategy ${this.inner.name} chose client ${JSON.stringify(instruction.clientId)} that was not sampled, or chose it twice; DpFedAvg samples the clients itself`, { subject: 'inner' });
      }
      seen.add(instruction.clientId);
    }
    if (seen.size !== sampledIds.size) {
      throw new CohortError(
        'UNSUPPORTED',
        `round ${context.round}: inner strategy ${this.inner.name} trained ${seen.size} of the ${sampledIds.size} sampled clients; DpFedAvg samples clients itself (Poisson, rate ${this.sampleRate}), so the inner strategy must take every client it is offered (build it with fraction 1)`,
        { subject: 'inner' },
      );
    }
    this.pending = { round: context.round, sampledIds, expectedClients, clippingNorm };
    if (!this.clipOnClients) return instructions;
    return instructions.map((instruction) => ({
      ...instruction,
      config: { ...instruction.config, extra: { ...instruction.config.extra, [DP_CLIPPING_NORM_KEY]: clippingNorm } },
    }));
  }

  async aggregateFit(context: AggregateFitContext): Promise<AggregateFitResult> {
    const pending = this.pending;
    if (pending === undefined || pending.round !== context.round) {
      throw new CohortError('INTERNAL', `round ${context.round}: DpFedAvg.aggregateFit without a matching configureFit`);
    }
    this.pending = undefined;
    const { globalWeights, round } = context;
    const length = globalWeights.length;
    const clippingNorm = pending.clippingNorm;
    const updateNoise = this.updateNoise as number;

    // Server-side clipping: whatever a client sent, its update enters the sum with norm ≤ C.
    const clipped: FitOutcome[] = [];
    let unclippedCount = 0;
    let serverClipped = 0;
    for (const result of context.results) {
      if (!pending.sampledIds.has(result.clientId)) {
        throw new CohortError('INTERNAL', `round ${round}: a result came from client ${JSON.stringify(result.clientId)}, which was not sampled`);
      }
      checkUpdate(result, length, round);
      const clip = clipUpdate(result.weights, globalWeights, clippingNorm);
      if (clip.norm > clippingNorm * (1 + CLIP_TOLERANCE)) serverClipped++;
      // A client that clipped itself knows whether it had to; otherwise the server's view decides.
      const reported = result.metrics[DP_UNCLIPPED_METRIC];
      const unclipped = reported === 0 || reported === 1 ? reported === 1 && clip.unclipped : clip.unclipped;
      if (unclipped) unclippedCount++;
      // Equal weights: the sensitivity bound is for the plain sum of clipped updates.
      clipped.push({ ...result, weights: clip.weights, numExamples: 1 });
    }
    const received = clipped.length;
    if (received === 0 && context.failures.length > 0) {
      // Let the inner strategy report the failures in its own words (it throws when nothing came back).
      await this.inner.aggregateFit({ ...context, results: [] });
    }

    const sum = new Float64Array(length);
    for (const result of clipped) {
      const w = result.weights;
      for (let i = 0; i < length; i++) sum[i] = (sum[i] as number) + ((w[i] as number) - (globalWeights[i] as number));
    }
    let innerResult: AggregateFitResult | undefined;
    if (received > 0) {
      innerResult = await this.inner.aggregateFit({ ...context, results: clipped });
      checkInnerIsMean(innerResult.weights, globalWeights, sum, received, this.inner.name, round);
    }

    const noiseStd = updateNoise * clippingNorm;
    const m = pending.expectedClients;
    let weights: Float32Array;
    if (innerResult !== undefined && noiseStd === 0 && received === m) {
      // Nothing to add or rescale: the inner strategy's mean is the release (bit for bit).
      weights = innerResult.weights;
    } else {
      addGaussianNoise(sum, noiseStd, this.rng, 'DP-FedAvg noise');
      weights = new Float32Array(length);
      for (let i = 0; i < length; i++) weights[i] = (globalWeights[i] as number) + (sum[i] as number) / m;
    }

    let adaptiveStep: { noisedUnclippedFraction: number; nextClippingNorm: number } | undefined;
    if (this.adaptive) {
      const step = this.adaptive.step(unclippedCount, received, m, this.countNoiseStd, this.rng);
      adaptiveStep = { noisedUnclippedFraction: step.noisedUnclippedFraction, nextClippingNorm: step.next };
    }
    const record: DpRoundRecord = {
      round,
      sampledClients: pending.sampledIds.size,
      receivedUpdates: received,
      expectedClients: m,
      clippingNorm,
      noiseStd,
      serverClipped,
      ...(adaptiveStep ?? {}),
    };
    this.log.push(record);
    const metrics: Record<string, number> = {
      ...(innerResult?.metrics ?? {}),
      dpSampledClients: record.sampledClients,
      dpClippingNorm: clippingNorm,
      dpNoiseStd: noiseStd,
      dpServerClipped: serverClipped,
      ...(adaptiveStep === undefined ? {} : { dpNextClippingNorm: adaptiveStep.nextClippingNorm }),
    };
    return { weights, metrics };
  }

  configureEvaluate(context: ConfigureFitContext): readonly EvaluateInstruction[] | Promise<readonly EvaluateInstruction[]> {
    return this.inner.configureEvaluate ? this.inner.configureEvaluate(context) : [];
  }

  aggregateEvaluate(context: AggregateEvaluateContext): Readonly<Record<string, number>> | Promise<Readonly<Record<string, number>>> {
    return this.inner.aggregateEvaluate ? this.inner.aggregateEvaluate(context) : {};
  }
}

/** Five significant digits for names. */
function short(x: number): number {
  return Number(x.toPrecision(5));
}

function checkUpdate(result: FitOutcome, length: number, round: number): void {
  const id = JSON.stringify(result.clientId);
  if (!(result.weights instanceof Float32Array) || result.weights.length !== length) {
    throw new CohortError('INVALID_DATA', `round ${round}: client ${id} returned ${result.weights?.length ?? 'no'} weights, expected ${length}`, { subject: result.clientId });
  }
  const bad = firstNonFinite(result.weights);
  if (bad >= 0) {
    throw new CohortError('INVALID_DATA', `round ${round}: client ${id} returned a non-finite weight (index ${bad} = ${result.weights[bad]}); local training diverged, try a smaller learning rate`, {
      subject: result.clientId,
    });
  }
}

/**
 * The privacy argument needs the inner aggregate to be the mean of the clipped weights (given
 * equal numExamples, FedAvg and FedProx return exactly that, rounded to float32). A robust or
 * otherwise different aggregator would need its own sensitivity analysis, so it is refused.
 */
function checkInnerIsMean(aggregate: Float32Array, global: Float32Array, sum: Float64Array, count: number, innerName: string, round: number): void {
  if (!(aggregate instanceof Float32Array) || aggregate.length !== global.length) {
    throw new CohortError('INTERNAL', `round ${round}: inner strategy ${innerName} returned ${aggregate?.length} weights, expected ${global.length}`);
  }
  for (let i = 0; i < global.length; i++) {
    const g = global[i] as number;
    const expected = g + (sum[i] as number) / count;
    const got = aggregate[i] as number;
    // float32 rounding of the clipped weights and of the mean: a few ulps of the magnitudes involved.
    const tolerance = 4 * 2 ** -24 * (Math.abs(expected) + Math.abs(g) + Math.abs(got)) + 1e-30;
    if (!(Math.abs(got - expected) <= tolerance)) {
      throw new CohortError(
        'UNSUPPORTED',
        `round ${round}: inner strategy ${innerName} does not aggregate by the mean (weight ${i}: ${got}, mean of the clipped updates ${expected}); DP-FedAvg's sensitivity bound needs the mean`,
        { subject: 'inner' },
      );
    }
  }
}
