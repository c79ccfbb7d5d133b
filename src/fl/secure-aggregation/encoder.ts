/**
 * What a client masks under SecAgg+: an encoder turns its model update into a vector of integers
 * mod 2^32 whose SUM over the clients the server can decode into the mean update, and nothing
 * more (the server only ever sees the sum; src/secagg).
 *
 * The default encoder, weighted fixed point, makes weighted FedAvg work on a sum by masking
 * [w_k, w_k·clip(Δ_k)] (issue 6; the same trick as Bonawitz et al., CCS 2017, §2: "the server can
 * compute a weighted average by having each user submit (w_u·x_u, w_u)"):
 *   w_k = n_k / weightCap ∈ (0, 1]          (weightCap public, e.g. the largest client's count)
 *   Σ_k w_k·clip(Δ_k) / Σ_k w_k = Σ_k n_k·clip(Δ_k) / Σ_k n_k
 * which is FedAvg's update (McMahan et al. 2017, Algorithm 1) when nothing is clipped. Each
 * coordinate is clipped to ±updateRange, then quantised by the secagg fixed-point plan with
 * stochastic rounding (Gupta et al. 2015) and headroom for maxClients summands, so the sum never
 * wraps (src/secagg planFixedPoint: maxClients·range·scale < 2^31).
 *
 * Layout of one client's vector (length P + 2 for P parameters):
 *   [0]      w_k·updateRange (quantised; all quantised coordinates share one range);
 *   [1..P]   w_k·clip(Δ_k) (quantised);
 *   [P+1]    the number of coordinates this client clipped, as an exact integer (the server
 *            learns only the total over the survivors).
 */
import { secureRandom, type RandomSource } from '../../crypto/random.js';
import { CohortError, check } from '../../errors.js';
import { dequantizeSum, planFixedPoint, quantize, type FixedPointPlan } from '../../secagg/index.js';

export interface SecureUpdateEncoder {
  readonly name: string;
  encodedLength(numParameters: number): number;
  encode(delta: Float32Array, numExamples: number, round: number): Promise<Uint32Array> | Uint32Array;
  decode(sum: Uint32Array, contributors: number, numParameters: number, round: number): { readonly meanDelta: Float32Array; readonly metrics?: Record<string, number> };
}

export const WEIGHTED_FIXED_POINT_ENCODER = 'weighted-fixed-point';
export const DEFAULT_UPDATE_RANGE = 1;

/** The public settings of the weighted fixed-point encoder: client and server must use the same. */
export interface WeightedFixedPointSettings {
  /** Each coordinate of an update is clipped to ±updateRange. Default 1. */
  readonly updateRange?: number;
  /** Most inputs summed in one round (the headroom of the fixed-point plan). */
  readonly maxClients: number;
  /**
   * The example count that gets weight 1 (w_k = n_k / weightCap); a client with more examples is
   * refused. Absent: every client has weight 1 (the unweighted mean of the clipped updates).
   */
  readonly weightCap?: number;
}

const TWO_POW_32 = 4294967296;

export class WeightedFixedPointEncoder implements SecureUpdateEncoder {
  readonly name = WEIGHTED_FIXED_POINT_ENCODER;
  readonly updateRange: number;
  readonly maxClients: number;
  readonly weightCap: number | undefined;
  readonly plan: FixedPointPlan;
  private readonly rng: RandomSource;
  /** Reused between encode calls (encode is synchronous) and zeroed after each. */
  private scratch: Float64Array | undefined;

  constructor(settings: WeightedFixedPointSettings, options: { readonly rng?: RandomSource } = {}) {
    check(typeof settings === 'object' && settings !== null, 'settings', settings, 'an object');
    const updateRange = settings.updateRange ?? DEFAULT_UPDATE_RANGE;
    check(Number.isFinite(updateRange) && updateRange > 0, 'updateRange', updateRange, 'a finite number > 0');
    check(Number.isInteger(settings.maxClients) && settings.maxClients >= 1, 'maxClients', settings.maxClients, 'an integer ≥ 1');
    if (settings.weightCap !== undefined) check(Number.isFinite(settings.weightCap) && settings.weightCap > 0, 'weightCap', settings.weightCap, 'a finite number > 0');
    this.updateRange = updateRange;
    this.maxClients = settings.maxClients;
    this.weightCap = settings.weightCap;
    this.plan = planFixedPoint(updateRange, settings.maxClients);
    this.rng = options.rng ?? secureRandom();
  }

  /** The settings to hand a client (or put on the wire) so that it encodes as this encoder decodes. */
  get settings(): WeightedFixedPointSettings {
    return { updateRange: this.updateRange, maxClients: this.maxClients, ...(this.weightCap === undefined ? {} : { weightCap: this.weightCap }) };
  }

  encodedLength(numParameters: number): number {
    check(Number.isInteger(numParameters) && numParameters >= 1, 'numParameters', numParameters, 'an integer ≥ 1');
    return numParameters + 2;
  }

  /** The weight w_k of a client with `numExamples` examples. */
  weightOf(numExamples: number): number {
    check(Number.isInteger(numExamples) && numExamples >= 1, 'numExamples', numExamples, 'an integer ≥ 1');
    if (this.weightCap === undefined) return 1;
    if (numExamples > this.weightCap) {
      throw new CohortError('INVALID_ARGUMENT', `numExamples ${numExamples} exceeds the federation's public weight cap ${this.weightCap}; a larger weight could overflow the masked sum`, {
        subject: 'numExamples',
      });
    }
    return numExamples / this.weightCap;
  }

  encode(delta: Float32Array, numExamples: number, _round: number): Uint32Array {
    check(delta instanceof Float32Array && delta.length >= 1, 'delta', delta?.length, 'a non-empty Float32Array');
    const weight = this.weightOf(numExamples);
    const range = this.updateRange;
    const length = delta.length + 2;
    if (this.scratch === undefined || this.scratch.length !== length) this.scratch = new Float64Array(length);
    const values = this.scratch;
    values[0] = weight * range;
    let clipped = 0;
    for (let i = 0; i < delta.length; i++) {
      let x = delta[i] as number;
      if (!Number.isFinite(x)) {
        throw new CohortError('INVALID_DATA', `update coordinate ${i} is ${x}; a client must send finite updates`, { subject: 'delta' });
      }
      if (x > range) {
        x = range;
        clipped++;
      } else if (x < -range) {
        x = -range;
        clipped++;
      }
      values[i + 1] = weight * x;
    }
    values[length - 1] = 0; // replaced by the exact clipped count below
    try {
      const out = quantize(values, this.plan, this.rng);
      out[length - 1] = clipped;
      return out;
    } finally {
      values.fill(0);
    }
  }

  decode(sum: Uint32Array, contributors: number, numParameters: number, _round: number): { meanDelta: Float32Array; metrics: Record<string, number> } {
    check(sum instanceof Uint32Array && sum.length === this.encodedLength(numParameters), 'sum.length', sum?.length, `${numParameters + 2} (numParameters + 2)`);
    check(Number.isInteger(contributors) && contributors >= 1 && contributors <= this.maxClients, 'contributors', contributors, `an integer in [1, ${this.maxClients}] (maxClients)`);
    const values = dequantizeSum(sum.subarray(0, numParameters + 1), this.plan);
    const weightSum = (values[0] as number) / this.updateRange;
    // Every weight is > 0 and at most 1, so Σw lies in (0, contributors]; anything else is a
    // wrapped or corrupted sum (the quantisation error is far below these bounds).
    if (!(weightSum > 0 && weightSum <= contributors + 1e-3)) {
      throw new CohortError('INVALID_DATA', `the decoded weight sum ${weightSum} is outside (0, ${contributors}]: the masked sum is corrupt or was encoded with other settings`, {
        subject: 'sum',
      });
    }
    const meanDelta = new Float32Array(numParameters);
    for (let i = 0; i < numParameters; i++) meanDelta[i] = (values[i + 1] as number) / weightSum;
    const metrics: Record<string, number> = { weightSum };
    // The clipped count is exact while the largest possible total fits in 32 bits.
    if (this.maxClients * numParameters < TWO_POW_32) metrics.clippedValues = sum[numParameters + 1] as number;
    return { meanDelta, metrics };
  }
}
