/**
 * A simulation worker thread: builds the blueprint model once, then trains or evaluates it on the
 * shared data sets job by job. Started by worker-pool.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CohortError } from '../../errors.js';
import type { Dataset } from '../../data/dataset.js';
import { evaluateLocally } from '../client.js';
import { fitWithPrivacy } from '../dp/client-fit.js';
import { buildModel } from './local-executor.js';
import type { SerializedError, WorkerInit, WorkerReply, WorkerRequest } from './messages.js';
import { SerialQueue } from './serial-queue.js';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

function serialize(error: unknown): SerializedError {
  if (error instanceof CohortError) {
    return { name: error.name, message: error.message, code: error.code, ...(error.subject === undefined ? {} : { subject: error.subject }), ...(error.stack ? { stack: error.stack } : {}) };
  }
  if (error instanceof Error) return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { name: 'Error', message: String(error) };
}

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

async function start(): Promise<void> {
  const init = workerData as WorkerInit;
  const datasets = new Map<string, Dataset>(init.datasets);
  const model = await buildModel(init.blueprint);
  const queue = new SerialQueue();
  port?.on('message', (request: WorkerRequest) => {
    void queue.run(async () => {
      try {
        const data = datasets.get(request.datasetId);
        if (!data) throw new CohortError('INTERNAL', `worker has no data set ${JSON.stringify(request.datasetId)}`);
        if (request.type === 'fit') {
          const response = await fitWithPrivacy(model, data, request.weights, request.config);
          reply({ type: 'fit-done', job: request.job, response }, [response.weights.buffer as ArrayBuffer]);
        } else {
          const { metrics } = await evaluateLocally(model, data, request.weights);
          reply({ type: 'evaluate-done', job: request.job, metrics });
        }
      } catch (error) {
        reply({ type: 'failed', job: request.job, error: serialize(error) });
      }
    });
  });
  const initialWeights = model.getWeights();
  reply({ type: 'ready', initialWeights, numParameters: model.numParameters }, [initialWeights.buffer as ArrayBuffer]);
}

start().catch((error: unknown) => reply({ type: 'init-failed', error: serialize(error) }));
