/**
 * The client side of private federated training: what a client that holds a model and data does
 * with a fit request whose configuration carries DP settings (fit-config-keys.ts).
 *  - `dp.clippingNorm` (user-level DP-FedAvg): train as usual, then clip the update
 *    w_local − w_global to that L2 norm before it leaves the client (McMahan et al. 2018,
 *    Algorithm 1, "Δ ← ClipFn(θ − θ_start, S)"), and report whether clipping was needed (the bit of
 *    adaptive clipping, Andrew et al. 2021). The server clips again, so a client that skips this
 *    step cannot exceed its bound.
 *  - `dp.local.*` (sample-level DP): the client trains with DP-SGD on its own records
 *    (ml/dp-sgd: Poisson batches at rate q, per-example clipping to C, noise σ·C on each batch's
 *    sum, divided by the expected batch q·n) for exactly the number of steps the server accounts.
 *    The reply carries the DP weights and the example count only: no training loss, which would
 *    not be private (trainLoss is NaN).
 * Without DP settings this is exactly `fitLocally`.
 */
import type { Dataset } from '../../data/dataset.js';
import { createGaussianNoise, DpSgdTrainer } from '../../ml/dp-sgd/index.js';
import type { Model } from '../../ml/model.js';
import { TfModel } from '../../ml/tf-model.js';
import { CohortError } from '../../errors.js';
import { fitLocally } from '../client.js';
import type { FitConfig, FitResponse } from '../types.js';
import { clipUpdate } from './clipping.js';
import {
  DP_CLIPPING_NORM_KEY,
  DP_UNCLIPPED_METRIC,
  LOCAL_DP_CLIPPING_NORM_KEY,
  LOCAL_DP_NOISE_MULTIPLIER_KEY,
  LOCAL_DP_SAMPLE_RATE_KEY,
  LOCAL_DP_STEPS_KEY,
} from './fit-config-keys.js';
import { checkLocalDpSettings, type LocalDpSettings } from './local-dp.js';

export async function fitWithPrivacy(model: Model, data: Dataset, weights: Float32Array, config: FitConfig): Promise<FitResponse> {
  const extra = config.extra ?? {};
  const local = localDpSettingsOf(extra);
  if (local !== undefined) return fitWithDpSgd(model, data, weights, config, local);
  const clippingNorm = extra[DP_CLIPPING_NORM_KEY];
  const response = await fitLocally(model, data, weights, config);
  if (clippingNorm === undefined) return response;
  if (typeof clippingNorm !== 'number' || !(clippingNorm > 0) || !Number.isFinite(clippingNorm)) {
    throw new CohortError('INVALID_ARGUMENT', `fit config ${DP_CLIPPING_NORM_KEY} must be a finite number > 0 (got ${String(clippingNorm)})`, { subject: DP_CLIPPING_NORM_KEY });
  }
  const clip = clipUpdate(response.weights, weights, clippingNorm);
  return { ...response, weights: clip.weights, metrics: { ...response.metrics, [DP_UNCLIPPED_METRIC]: clip.unclipped ? 1 : 0 } };
}

/** The DP-SGD settings a fit configuration's `extra` carries (checked), or undefined when it carries none. */
export function localDpSettingsOf(extra: Readonly<Record<string, unknown>>): LocalDpSettings | undefined {
  const noiseMultiplier = extra[LOCAL_DP_NOISE_MULTIPLIER_KEY];
  if (noiseMultiplier === undefined) return undefined;
  const settings = {
    noiseMultiplier,
    clippingNorm: extra[LOCAL_DP_CLIPPING_NORM_KEY],
    sampleRate: extra[LOCAL_DP_SAMPLE_RATE_KEY],
    steps: extra[LOCAL_DP_STEPS_KEY],
  } as LocalDpSettings;
  checkLocalDpSettings(settings, 'fit config dp.local');
  return settings;
}

/** `settings.steps` DP-SGD steps from `weights` with the round's optimizer; noise from the CSPRNG. */
export async function fitWithDpSgd(model: Model, data: Dataset, weights: Float32Array, config: FitConfig, settings: LocalDpSettings): Promise<FitResponse> {
  checkLocalDpSettings(settings);
  if (!(model instanceof TfModel)) {
    throw new CohortError('UNSUPPORTED', `sample-level DP needs a TensorFlow.js model (DP-SGD clips per-example gradients inside it); got ${model.spec.kind}`, { subject: 'model' });
  }
  const started = performance.now();
  model.setWeights(weights);
  // Inline noise at the step's own scale σ·C/(q·n): a simulation worker is already one thread per core.
  const noise = await createGaussianNoise({
    blockLength: model.numParameters,
    standardDeviation: settings.noiseMultiplier > 0 ? (settings.noiseMultiplier * settings.clippingNorm) / (settings.sampleRate * data.numExamples) : 1,
    background: false,
  });
  const trainer = await DpSgdTrainer.create(model, data, {
    noiseMultiplier: settings.noiseMultiplier,
    clippingNorm: settings.clippingNorm,
    sampleRate: settings.sampleRate,
    optimizer: config.optimizer,
    noise,
  });
  try {
    for (let step = 0; step < settings.steps; step++) await trainer.step();
  } finally {
    await trainer.close();
    await noise.close();
  }
  return {
    weights: model.getWeights(),
    numExamples: data.numExamples,
    metrics: { trainLoss: Number.NaN, steps: settings.steps, trainMs: performance.now() - started },
  };
}
