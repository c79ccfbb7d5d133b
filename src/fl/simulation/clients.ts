/** Simulated federated clients: each names its data set on an executor that does the work. */
import type { FederatedClient } from '../types.js';
import type { SimulationExecutor } from './executor.js';

export function simulatedClient(executor: SimulationExecutor, id: string, datasetId: string, numExamples: number): FederatedClient {
  return {
    id,
    numExamples,
    fit: (weights, config) => executor.fit(datasetId, weights, config),
    evaluate: async (weights) => ({ numExamples, metrics: await executor.evaluate(datasetId, weights) }),
  };
}
