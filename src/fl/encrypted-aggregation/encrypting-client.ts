/**
 * Wraps a federated client so that what it returns is an EncryptedFitResponse: it trains, then
 * encrypts its weighted update under the federation key before anything leaves it.
 */
import type { FederatedClient } from '../types.js';
import { encryptUpdate, type UpdateEncryptionOptions } from './client-encryption.js';
import type { AggregationPlan } from './plan.js';
import type { EncryptedFitResponse } from './strategy.js';

const NO_WEIGHTS = new Float32Array(0);

export function encryptingClient(inner: FederatedClient, plan: AggregationPlan, options: UpdateEncryptionOptions = {}): FederatedClient {
  const client: FederatedClient = {
    id: inner.id,
    ...(inner.numExamples === undefined ? {} : { numExamples: inner.numExamples }),
    fit: async (weights, config): Promise<EncryptedFitResponse> => {
      const trained = await inner.fit(weights, config);
      const encryptedUpdate = await encryptUpdate(plan, weights, trained.weights, trained.numExamples, options);
      trained.weights.fill(0);
      return { weights: NO_WEIGHTS, numExamples: trained.numExamples, metrics: trained.metrics, encryptedUpdate };
    },
  };
  return inner.evaluate === undefined ? client : { ...client, evaluate: inner.evaluate.bind(inner) };
}
