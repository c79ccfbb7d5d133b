/**
 * What a client does with a fit or evaluate request when it holds a model and data locally:
 * load the global weights, train E local epochs (with FedProx's proximal term when μ > 0), return
 * the new weights. Shared by simulated clients (in-process and worker threads) and, later, the
 * network client runtime.
 */
import type { Dataset } from '../data/dataset.js';
import type { Model, TrainOptions } from '../ml/model.js';
import type { EvaluateResponse, FitConfig, FitResponse } from './types.js';

export async function fitLocally(model: Model, data: Dataset, weights: Float32Array, config: FitConfig): Promise<FitResponse> {
  model.setWeights(weights);
  const mu = config.proximalMu ?? 0;
  const options: TrainOptions = {
    epochs: config.localEpochs,
    batchSize: config.batchSize,
    optimizer: config.optimizer,
    seed: config.seed,
    // μ = 0 trains exactly as FedAvg: no proximal term at all.
    ...(mu > 0 ? { proximal: { mu, anchor: weights } } : {}),
  };
  const started = performance.now();
  const trained = await model.train(data, options);
  return {
    weights: model.getWeights(),
    numExamples: data.numExamples,
    metrics: { trainLoss: trained.loss, steps: trained.steps, trainMs: performance.now() - started },
  };
}

export async function evaluateLocally(model: Model, data: Dataset, weights: Float32Array): Promise<EvaluateResponse> {
  model.setWeights(weights);
  const metrics = await model.evaluate(data);
  return { numExamples: data.numExamples, metrics };
}
