/**
 * FedAvg with Paillier-encrypted aggregation: the round loop and client sampling are the inner
 * strategy's; aggregation sums EncryptedUpdates homomorphically, has the key holders decrypt the
 * sum only, and divides by the total example count:
 *   w ← w + Σ_k n_k·clip(Δ_k) / Σ_k n_k      (McMahan et al. 2017, Algorithm 1, on updates)
 * which is FedAvg's Σ_k (n_k/n)·w_k exactly when nothing is clipped, up to the quantisation
 * bound of plan.ts. Strategies that need individual updates (robust statistics, server-side
 * clipping) cannot work on a sum and are refused.
 */
import type { ThresholdPublicParameters } from '../../crypto/paillier/index.js';
import { CohortError } from '../../errors.js';
import { FedAvg } from '../strategies/fedavg.js';
import { FedProx } from '../strategies/fedprox.js';
import type { AggregateFitContext, AggregateFitResult, ConfigureFitContext, FitInstruction, FitOutcome, Strategy } from '../strategy.js';
import type { FitResponse } from '../types.js';
import { EncryptedSum, decryptSum } from './aggregator.js';
import type { EncryptedUpdate, KeyHolderEndpoint } from './messages.js';
import type { AggregationPlan } from './plan.js';

/** A fit response that carries ciphertexts; its `weights` is empty. */
export interface EncryptedFitResponse extends FitResponse {
  readonly encryptedUpdate: EncryptedUpdate;
}

export function isEncryptedFitResponse(response: FitResponse): response is EncryptedFitResponse {
  const update = (response as Partial<EncryptedFitResponse>).encryptedUpdate;
  return typeof update === 'object' && update !== null && update.ciphertexts instanceof Uint8Array;
}

/**
 * Refuses strategies that must see individual updates, with a message saying why. Only FedAvg
 * and FedProx themselves pass: a subclass may aggregate differently (e.g. FedAvgM's server
 * optimiser), and this wrapper would silently replace its aggregation by the plain mean.
 */
export function checkEncryptedAggregationSupports(strategy: Strategy): asserts strategy is FedAvg {
  const prototype: unknown = Object.getPrototypeOf(strategy);
  if (prototype !== FedAvg.prototype && prototype !== FedProx.prototype) {
    throw new CohortError(
      'UNSUPPORTED',
      `strategy ${strategy.name} needs the individual client updates; --aggregation paillier only lets the server see their encrypted sum (use fedavg or fedprox)`,
      { subject: 'strategy' },
    );
  }
}

export interface PaillierAggregationOptions {
  readonly plan: AggregationPlan;
  readonly parameters: ThresholdPublicParameters;
  readonly keyHolders: readonly KeyHolderEndpoint[];
}

export class PaillierAggregation implements Strategy {
  readonly name: string;
  readonly inner: FedAvg;
  private readonly options: PaillierAggregationOptions;

  constructor(inner: Strategy, options: PaillierAggregationOptions) {
    checkEncryptedAggregationSupports(inner);
    if (options.parameters.publicKey.n !== options.plan.scheme.publicKey.n) {
      throw new CohortError('INVALID_ARGUMENT', 'the threshold key and the packing plan belong to different public keys', { subject: 'parameters' });
    }
    this.inner = inner;
    this.name = `${inner.name}+Paillier(${options.parameters.threshold}-of-${options.parameters.parties})`;
    this.options = options;
  }

  configureFit(context: ConfigureFitContext): readonly FitInstruction[] | Promise<readonly FitInstruction[]> {
    const instructions = this.inner.configureFit(context);
    if (instructions.length > this.options.plan.maxClients) {
      throw new CohortError('INVALID_ARGUMENT', `round ${context.round}: ${instructions.length} clients chosen, the packing holds sums of at most ${this.options.plan.maxClients}`, {
        subject: 'maxClients',
      });
    }
    return instructions;
  }

  async aggregateFit(context: AggregateFitContext): Promise<AggregateFitResult> {
    const { round, results, failures, globalWeights } = context;
    if (failures.length > 0 && !this.inner.options.acceptFailures) {
      throw new CohortError('INVALID_DATA', `round ${round}: ${failures.length} client(s) failed`, { subject: failures[0]?.clientId, cause: failures[0]?.error });
    }
    const sum = new EncryptedSum(this.options.plan.scheme, globalWeights.length);
    let lossSum = 0;
    for (const result of results) {
      sum.add(encryptedUpdateOf(result, round));
      lossSum += result.numExamples * result.metrics.trainLoss;
    }
    const request = sum.request(round);
    const total = await decryptSum(this.options.parameters, this.options.plan.scheme, request, this.options.keyHolders);
    const examples = sum.totalExamples;
    const weights = new Float32Array(globalWeights.length);
    for (let i = 0; i < weights.length; i++) weights[i] = (globalWeights[i] as number) + (total[i] as number) / examples;
    return { weights, metrics: { trainLoss: lossSum / examples, examples, clients: results.length, clippedValues: sum.clippedValues } };
  }
}

function encryptedUpdateOf(result: FitOutcome, round: number): EncryptedUpdate {
  if (!isEncryptedFitResponse(result)) {
    throw new CohortError('INVALID_DATA', `round ${round}: client ${JSON.stringify(result.clientId)} sent no encrypted update (plaintext updates are refused under --aggregation paillier)`, {
      subject: result.clientId,
    });
  }
  if (result.encryptedUpdate.numExamples !== result.numExamples) {
    throw new CohortError('INVALID_DATA', `round ${round}: client ${JSON.stringify(result.clientId)} reported ${result.numExamples} examples but weighted its update by ${result.encryptedUpdate.numExamples}`, {
      subject: result.clientId,
    });
  }
  return result.encryptedUpdate;
}
