/**
 * The strategy interface, modelled on Flower's `Strategy` (Beutel et al. 2020, "Flower: A
 * Friendly Federated Learning Research Framework"): the round loop asks the strategy which
 * clients train and with what configuration, then hands it the results to aggregate. Wrappers
 * (differential privacy, robust aggregation, secure aggregation) implement the same interface
 * around an inner strategy, e.g. `new DpFedAvg(new FedAvg(...))`.
 */
import type { RandomSource } from '../crypto/random.js';
import type { ClientInfo, EvaluateConfig, EvaluateResponse, FitConfig, FitResponse } from './types.js';

export interface FitInstruction {
  readonly clientId: string;
  /** The weights this client starts from (normally the current global weights). */
  readonly weights: Float32Array;
  readonly config: FitConfig;
}

export interface FitOutcome extends FitResponse {
  readonly clientId: string;
}

export interface ClientFailure {
  readonly clientId: string;
  readonly error: unknown;
}

export interface ConfigureFitContext {
  readonly round: number;
  readonly globalWeights: Float32Array;
  /** Every client available this round, in a stable order. */
  readonly clients: readonly ClientInfo[];
  /** The federation's random source, for client sampling and per-client seeds. */
  readonly rng: RandomSource;
}

export interface AggregateFitContext {
  readonly round: number;
  /** The global weights the round started from (what the clients received). */
  readonly globalWeights: Float32Array;
  /** Successful results, in the order of the fit instructions. */
  readonly results: readonly FitOutcome[];
  readonly failures: readonly ClientFailure[];
}

export interface AggregateFitResult {
  readonly weights: Float32Array;
  /** Aggregated client metrics (e.g. the example-weighted mean training loss). */
  readonly metrics: Readonly<Record<string, number>>;
}

export interface EvaluateInstruction {
  readonly clientId: string;
  readonly weights: Float32Array;
  readonly config: EvaluateConfig;
}

export interface EvaluateOutcome extends EvaluateResponse {
  readonly clientId: string;
}

export interface AggregateEvaluateContext {
  readonly round: number;
  readonly results: readonly EvaluateOutcome[];
  readonly failures: readonly ClientFailure[];
}

export interface Strategy {
  /** A short human name ("FedAvg", "FedProx(mu=0.01)"), written into run results. */
  readonly name: string;
  /**
   * True when choosing no client is a valid round for this strategy: with Poisson client sampling
   * (DP-FedAvg) the sample is empty with probability (1 − q)^K, and the round must still release
   * its output (noise only; McMahan et al. 2018, Algorithm 1). The round loop then trains nobody and
   * calls `aggregateFit` with no results. Absent or false: an empty choice is a bug and is refused.
   */
  readonly allowsEmptyRounds?: boolean;
  /** May replace the initial global weights (Flower's initialize_parameters). */
  initialize?(initialWeights: Float32Array): Float32Array | Promise<Float32Array>;
  /** Chooses the clients of this round and what each is told. */
  configureFit(context: ConfigureFitContext): readonly FitInstruction[] | Promise<readonly FitInstruction[]>;
  /** Combines the clients' results into the next global weights. */
  aggregateFit(context: AggregateFitContext): AggregateFitResult | Promise<AggregateFitResult>;
  /** Federated evaluation on the clients' own data (optional; centralised evaluation is the round loop's). */
  configureEvaluate?(context: ConfigureFitContext): readonly EvaluateInstruction[] | Promise<readonly EvaluateInstruction[]>;
  aggregateEvaluate?(context: AggregateEvaluateContext): Readonly<Record<string, number>> | Promise<Readonly<Record<string, number>>>;
}
