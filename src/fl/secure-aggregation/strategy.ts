/**
 * FedAvg/FedProx with SecAgg+ (Bell et al., CCS 2020; Bonawitz et al., CCS 2017): the round loop
 * and client sampling are the inner strategy's; the clients that returned a fit result (with empty
 * weights: their update stays with them) then run the four SecAgg+ stages through `peers`, and
 * the server learns only the sum of their encoded updates, which the encoder turns into the mean:
 *   w ← w + Σ_k w_k·clip(Δ_k) / Σ_k w_k     (weighted fixed point; encoder.ts)
 * Strategies that need individual updates (robust statistics, server-side clipping as in DP-FedAvg,
 * server optimisers that subclass FedAvg) cannot work on a sum and are refused.
 */
import { secureRandom, type RandomSource } from '../../crypto/random.js';
import { CohortError, check } from '../../errors.js';
import { defaultNeighbours, defaultThreshold, SecAggServerRound, type SecAggParameters } from '../../secagg/index.js';
import { FedAvg } from '../strategies/fedavg.js';
import { FedProx } from '../strategies/fedprox.js';
import type { AggregateFitContext, AggregateFitResult, ConfigureFitContext, FitInstruction, FitOutcome, Strategy } from '../strategy.js';
import { driveSecAggRound, type DrivenRound, type StageFailure } from './driver.js';
import { WeightedFixedPointEncoder, type SecureUpdateEncoder } from './encoder.js';
import { encoderFitConfig } from './encoder-config.js';
import type { SecAggPeers } from './peers.js';

export const DEFAULT_STAGE_DEADLINE_MS = 30_000;

/**
 * Refuses strategies that must see individual updates, naming the strategy and the flag. Only
 * FedAvg and FedProx themselves pass: a subclass may aggregate differently (FedAvgM's server
 * optimiser), and this wrapper would silently replace its aggregation by the plain mean.
 */
export function checkSecureAggregationSupports(strategy: Strategy): asserts strategy is FedAvg {
  const prototype: unknown = typeof strategy === 'object' && strategy !== null ? Object.getPrototypeOf(strategy) : undefined;
  if (prototype !== FedAvg.prototype && prototype !== FedProx.prototype) {
    throw new CohortError(
      'UNSUPPORTED',
      `strategy ${strategy?.name} needs the individual client updates; --secure-aggregation only lets the server see their sum (use fedavg or fedprox, without --dp user)`,
      { subject: 'strategy' },
    );
  }
}

export interface SecureAggregationOptions {
  readonly peers: SecAggPeers;
  /**
   * What clients mask. Default: weighted fixed point with update range 1, the first round's
   * available clients as maxClients and their largest example count as weight cap (clients must
   * be built with the same settings; the fit configuration carries them for checking).
   */
  readonly encoder?: SecureUpdateEncoder;
  /** Shares needed to recover a client's secrets, in (k/2, k]. Default: defaultThreshold(n, k) of each round. */
  readonly threshold?: number;
  /** Neighbours k of each client, < n. Default: defaultNeighbours(n) of each round. */
  readonly neighbours?: number;
  /** How long the driver waits for the replies of one stage. Default 30 s. */
  readonly stageDeadlineMs?: number;
  /** Session ids and the server's protocol randomness. Default: the CSPRNG. */
  readonly rng?: RandomSource;
}

/** What aggregateFit learned about one round, for reports. */
export interface SecureRoundRecord {
  readonly round: number;
  readonly neighbours: number;
  readonly threshold: number;
  readonly survivors: readonly string[];
  readonly dropped: readonly string[];
  readonly failures: readonly StageFailure[];
  /** Wall-clock milliseconds of each stage. */
  readonly stageMs: DrivenRound['stageMs'];
}

export class SecureAggregation implements Strategy {
  readonly inner: FedAvg;
  readonly rounds: SecureRoundRecord[] = [];
  private readonly options: SecureAggregationOptions;
  private encoderInUse: SecureUpdateEncoder | undefined;
  private readonly rng: RandomSource;
  private readonly stageDeadlineMs: number;

  constructor(inner: Strategy, options: SecureAggregationOptions) {
    checkSecureAggregationSupports(inner);
    check(typeof options === 'object' && options !== null, 'options', options, 'an object');
    check(typeof options.peers?.request === 'function', 'peers', options.peers, 'an object with a request function');
    if (options.neighbours !== undefined) check(Number.isInteger(options.neighbours) && options.neighbours >= 1, 'neighbours', options.neighbours, 'an integer ≥ 1');
    if (options.threshold !== undefined) check(Number.isInteger(options.threshold) && options.threshold >= 1, 'threshold', options.threshold, 'an integer ≥ 1');
    if (options.neighbours !== undefined && options.threshold !== undefined) checkThreshold(options.threshold, options.neighbours);
    this.stageDeadlineMs = options.stageDeadlineMs ?? DEFAULT_STAGE_DEADLINE_MS;
    check(Number.isFinite(this.stageDeadlineMs) && this.stageDeadlineMs > 0, 'stageDeadlineMs', this.stageDeadlineMs, 'a finite number > 0');
    this.inner = inner;
    this.options = options;
    this.encoderInUse = options.encoder;
    this.rng = options.rng ?? secureRandom();
  }

  get name(): string {
    const k = this.options.neighbours ?? 'auto';
    const t = this.options.threshold ?? 'auto';
    return `${this.inner.name}+SecAgg+(k=${k}, t=${t})`;
  }

  /** The encoder of the run (the default one is fixed at the first round). */
  get encoder(): SecureUpdateEncoder | undefined {
    return this.encoderInUse;
  }

  async configureFit(context: ConfigureFitContext): Promise<readonly FitInstruction[]> {
    const encoder = (this.encoderInUse ??= defaultEncoder(context));
    const instructions = await this.inner.configureFit(context);
    if (encoder instanceof WeightedFixedPointEncoder && instructions.length > encoder.maxClients) {
      throw new CohortError('INVALID_ARGUMENT', `round ${context.round}: ${instructions.length} clients chosen, the fixed-point plan holds sums of at most ${encoder.maxClients}`, {
        subject: 'maxClients',
      });
    }
    const extra = encoderFitConfig(encoder);
    return instructions.map((instruction) => ({ ...instruction, config: { ...instruction.config, extra: { ...instruction.config.extra, ...extra } } }));
  }

  async aggregateFit(context: AggregateFitContext): Promise<AggregateFitResult> {
    const { round, results, failures, globalWeights } = context;
    if (failures.length > 0 && !this.inner.options.acceptFailures) {
      throw new CohortError('INVALID_DATA', `round ${round}: ${failures.length} client(s) failed`, { subject: failures[0]?.clientId, cause: failures[0]?.error });
    }
    const encoder = this.encoderInUse;
    if (encoder === undefined) throw new CohortError('INTERNAL', `round ${round}: aggregateFit before configureFit`);
    for (const result of results) checkMaskedOutcome(result, round);
    const n = results.length;
    if (n < 2) {
      throw new CohortError('ROUND_INCOMPLETE', `round ${round}: ${n} client(s) returned a result; secure aggregation needs at least 2 (a sum of one is that client's update)`, {
        subject: 'results',
      });
    }
    const neighbours = Math.min(this.options.neighbours ?? defaultNeighbours(n), n - 1);
    const threshold = this.options.threshold ?? defaultThreshold(n, neighbours);
    if (threshold > neighbours) {
      throw new CohortError('ROUND_INCOMPLETE', `round ${round}: only ${n} client(s) returned a result, too few for threshold ${threshold} (each client needs ${threshold} neighbours)`, {
        subject: 'threshold',
      });
    }
    checkThreshold(threshold, neighbours);
    const sessionId = new Uint8Array(32);
    this.rng.fillBytes(sessionId);
    const numParameters = globalWeights.length;
    const parameters: SecAggParameters = {
      round,
      sessionId,
      clientIds: results.map((result) => result.clientId),
      threshold,
      neighbours,
      vectorLength: encoder.encodedLength(numParameters),
    };
    const driven = await driveSecAggRound(new SecAggServerRound(parameters, this.rng), this.options.peers, this.stageDeadlineMs);
    this.rounds.push({ round, neighbours, threshold, survivors: driven.survivors, dropped: driven.dropped, failures: driven.failures, stageMs: driven.stageMs });
    const decoded = encoder.decode(driven.sum, driven.survivors.length, numParameters, round);
    if (!(decoded.meanDelta instanceof Float32Array) || decoded.meanDelta.length !== numParameters) {
      throw new CohortError('INTERNAL', `encoder ${encoder.name} decoded ${decoded.meanDelta?.length} values, expected ${numParameters}`);
    }
    const weights = new Float32Array(numParameters);
    for (let i = 0; i < numParameters; i++) weights[i] = (globalWeights[i] as number) + (decoded.meanDelta[i] as number);

    const survivors = new Set(driven.survivors);
    let examples = 0;
    let lossSum = 0;
    for (const result of results) {
      if (!survivors.has(result.clientId)) continue;
      examples += result.numExamples;
      lossSum += result.numExamples * result.metrics.trainLoss;
    }
    return {
      weights,
      metrics: { ...decoded.metrics, trainLoss: lossSum / examples, examples, clients: driven.survivors.length, dropped: driven.dropped.length, neighbours, threshold },
    };
  }
}

/** t must exceed k/2 (two disjoint groups of neighbours cannot both reconstruct; Bell et al. 2020) and be at most k. */
export function checkThreshold(threshold: number, neighbours: number, names: { threshold: string; neighbours: string } = { threshold: 'threshold', neighbours: 'neighbours' }): void {
  if (threshold > neighbours) {
    throw new CohortError('INVALID_ARGUMENT', `${names.threshold} ${threshold} must be at most ${names.neighbours} ${neighbours}: a client's secrets are shared among its neighbours only`, {
      subject: names.threshold,
    });
  }
  if (threshold * 2 <= neighbours) {
    throw new CohortError(
      'INVALID_ARGUMENT',
      `${names.threshold} ${threshold} must be more than half of ${names.neighbours} ${neighbours}: otherwise the server could reconstruct both a client's self-mask and its mask key from disjoint neighbours`,
      { subject: names.threshold },
    );
  }
}

function defaultEncoder(context: ConfigureFitContext): SecureUpdateEncoder {
  const sizes = context.clients.map((client) => client.numExamples);
  if (!sizes.every((size): size is number => size !== undefined && size >= 1)) {
    throw new CohortError('INVALID_ARGUMENT', 'the default SecAgg encoder weights updates by example counts: every client must announce numExamples, or pass an encoder', {
      subject: 'encoder',
    });
  }
  return new WeightedFixedPointEncoder({ maxClients: context.clients.length, weightCap: Math.max(...sizes) });
}

function checkMaskedOutcome(result: FitOutcome, round: number): void {
  if (result.weights.length !== 0) {
    throw new CohortError(
      'INVALID_DATA',
      `round ${round}: client ${JSON.stringify(result.clientId)} sent its weights in the clear; under --secure-aggregation a client sends only its masked input`,
      { subject: result.clientId },
    );
  }
  check(Number.isInteger(result.numExamples) && result.numExamples >= 1, `numExamples of ${result.clientId}`, result.numExamples, 'an integer ≥ 1');
}
