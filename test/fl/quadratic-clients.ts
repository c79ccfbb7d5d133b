/**
 * Pure-JS clients for round-loop tests: client k minimises f_k(w) = ½‖w − target_k‖² by plain
 * gradient steps, plus FedProx's (μ/2)‖w − w_global‖² when asked. Deterministic and fast, so the
 * loop and strategies are tested without TensorFlow.js.
 */
import type { FederatedClient, FitConfig, FitResponse } from '../../src/fl/types.js';

export interface QuadraticClientOptions {
  readonly id: string;
  readonly target: Float32Array;
  readonly numExamples: number;
  /** Gradient steps per local epoch. */
  readonly stepsPerEpoch?: number;
  readonly failOnRound?: number;
}

export function quadraticClient(options: QuadraticClientOptions): FederatedClient & { calls: FitConfig[] } {
  const calls: FitConfig[] = [];
  return {
    id: options.id,
    numExamples: options.numExamples,
    calls,
    async fit(weights: Float32Array, config: FitConfig): Promise<FitResponse> {
      calls.push(config);
      if (config.round === options.failOnRound) throw new Error(`${options.id} dropped out`);
      const w = Float32Array.from(weights);
      const mu = config.proximalMu ?? 0;
      const lr = config.optimizer.learningRate;
      const steps = config.localEpochs * (options.stepsPerEpoch ?? 5);
      let loss = 0;
      for (let s = 0; s < steps; s++) {
        loss = 0;
        for (let i = 0; i < w.length; i++) {
          const diff = w[i]! - options.target[i]!;
          loss += 0.5 * diff * diff;
          const gradient = diff + (mu > 0 ? mu * (w[i]! - weights[i]!) : 0);
          w[i] = w[i]! - lr * gradient;
        }
      }
      return { weights: w, numExamples: options.numExamples, metrics: { trainLoss: loss } };
    },
    async evaluate(weights) {
      let loss = 0;
      for (let i = 0; i < weights.length; i++) loss += 0.5 * (weights[i]! - options.target[i]!) ** 2;
      return { numExamples: options.numExamples, metrics: { accuracy: 1 / (1 + loss), loss, perClassRecall: [], examples: options.numExamples } };
    },
  };
}
