/**
 * The client side of private federated training: what a client that holds a model and data does
 * with a fit request whose configuration carries DP settings (fit-config-keys.ts).
 *  - `dp.idle`: an empty Poisson round asked this client only to keep the round loop going; it
 *    returns the weights unchanged without touching its data (the server discards the reply).
 *  - `dp.clippingNorm` (user-level DP-FedAvg): train as usual, then clip the update
 *    w_local − w_global to that L2 norm before it leaves the client (McMahan et al. 2018,
 *    Algorithm 1, "Δ ← ClipFn(θ − θ_start, S)"), and report whether clipping was needed (the bit of
 *    adaptive clipping, Andrew et al. 2021). The server clips again, so a client that skips this
 *    step cannot exceed its bound.
 * Without DP settings this is exactly `fitLocally`.
 */
import type { Dataset } from '../../data/dataset.js';
import type { Model } from '../../ml/model.js';
import { CohortError } from '../../errors.js';
import { fitLocally } from '../client.js';
import type { FitConfig, FitResponse } from '../types.js';
import { clipUpdate } from './clipping.js';
import { DP_CLIPPING_NORM_KEY, DP_IDLE_KEY, DP_UNCLIPPED_METRIC } from './fit-config-keys.js';

export async function fitWithPrivacy(model: Model, data: Dataset, weights: Float32Array, config: FitConfig): Promise<FitResponse> {
  const extra = config.extra ?? {};
  if (extra[DP_IDLE_KEY] === true) {
    return { weights: weights.slice(), numExamples: 0, metrics: { trainLoss: 0, idle: 1 } };
  }
  const clippingNorm = extra[DP_CLIPPING_NORM_KEY];
  const response = await fitLocally(model, data, weights, config);
  if (clippingNorm === undefined) return response;
  if (typeof clippingNorm !== 'number' || !(clippingNorm > 0) || !Number.isFinite(clippingNorm)) {
    throw new CohortError('INVALID_ARGUMENT', `fit config ${DP_CLIPPING_NORM_KEY} must be a finite number > 0 (got ${String(clippingNorm)})`, { subject: DP_CLIPPING_NORM_KEY });
  }
  const clip = clipUpdate(response.weights, weights, clippingNorm);
  return { ...response, weights: clip.weights, metrics: { ...response.metrics, [DP_UNCLIPPED_METRIC]: clip.unclipped ? 1 : 0 } };
}
