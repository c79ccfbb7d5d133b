/**
 * The worker-thread executor: N threads (one per core to use), each with its own model, reading
 * the data sets from shared memory. Jobs go to whichever worker is idle, so a round's clients of
 * very different sizes still keep every core busy. Weights travel as transferred buffers.
 *
 * From compiled JavaScript the worker is worker.js; when this module runs from TypeScript source
 * (vitest, `node --import tsx`) the worker is worker.ts loaded through tsx (a dev dependency).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Dataset } from '../../data/dataset.js';
import { CohortError, type CohortErrorCode, check } from '../../errors.js';
import type { Metrics } from '../../ml/model.js';
import type { FitConfig, FitResponse } from '../types.js';
import type { ModelBlueprint, SimulationExecutor } from './executor.js';
import type { SerializedError, WorkerInit, WorkerReply, WorkerRequest } from './messages.js';
import { toSharedDataset } from './shared-dataset.js';

export { toSharedDataset };

interface PendingJob {
  readonly request: WorkerRequest;
  readonly resolve: (value: FitResponse | Metrics) => void;
  readonly reject: (error: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  current: PendingJob | undefined;
}

/**
 * How to start a worker. Compiled: worker.js directly. From TypeScript source, `--import tsx`
 * in a worker's execArgv does not register tsx's hooks there (Node 20), so a one-line bootstrap
 * registers them through tsx's API and then imports worker.ts.
 */
function startWorker(init: WorkerInit): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), { workerData: init });
  const target = new URL('./worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxApiUrl())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(target)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: init });
}

function tsxApiUrl(): string {
  const resolve = (import.meta as { resolve?: (specifier: string) => string }).resolve;
  if (typeof resolve === 'function') {
    try {
      return resolve('tsx/esm/api');
    } catch {
      // fall through to the package folder
    }
  }
  const packageJson = createRequire(import.meta.url).resolve('tsx/package.json');
  return pathToFileURL(join(dirname(packageJson), 'dist', 'esm', 'api', 'index.mjs')).href;
}

function revive(error: SerializedError): Error {
  const revived =
    error.code === undefined
      ? new Error(error.message)
      : new CohortError(error.code as CohortErrorCode, error.message, error.subject === undefined ? {} : { subject: error.subject });
  if (error.stack) revived.stack = error.stack;
  return revived;
}

export class WorkerExecutor implements SimulationExecutor {
  readonly parallelism: number;
  private readonly queue: PendingJob[] = [];
  private nextJob = 1;
  private failure: Error | undefined;
  private closed = false;

  private constructor(
    private readonly slots: Slot[],
    readonly initialWeights: Float32Array,
    readonly numParameters: number,
  ) {
    this.parallelism = slots.length;
    for (const slot of slots) this.listen(slot);
  }

  /** Starts `workers` threads, each building the blueprint model over the shared `datasets`. */
  static async create(blueprint: ModelBlueprint, datasets: ReadonlyMap<string, Dataset>, workers: number): Promise<WorkerExecutor> {
    check(Number.isInteger(workers) && workers >= 1, 'workers', workers, 'an integer ≥ 1');
    const init: WorkerInit = { blueprint, datasets: [...datasets].map(([id, data]) => [id, toSharedDataset(data)] as const) };
    const started = Array.from({ length: workers }, () => startWorker(init));
    const ready = await Promise.allSettled(started.map((worker) => waitUntilReady(worker)));
    const failed = ready.find((entry) => entry.status === 'rejected');
    if (failed) {
      await Promise.all(started.map((worker) => worker.terminate()));
      throw (failed as PromiseRejectedResult).reason;
    }
    const first = (ready[0] as PromiseFulfilledResult<{ initialWeights: Float32Array; numParameters: number }>).value;
    return new WorkerExecutor(
      started.map((worker) => ({ worker, current: undefined })),
      first.initialWeights,
      first.numParameters,
    );
  }

  fit(datasetId: string, weights: Float32Array, config: FitConfig): Promise<FitResponse> {
    // The caller keeps its array; the worker gets a copy whose buffer is transferred.
    return this.submit({ type: 'fit', job: this.nextJob++, datasetId, weights: weights.slice(), config }) as Promise<FitResponse>;
  }

  evaluate(datasetId: string, weights: Float32Array): Promise<Metrics> {
    return this.submit({ type: 'evaluate', job: this.nextJob++, datasetId, weights: weights.slice() }) as Promise<Metrics>;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new CohortError('INTERNAL', 'the worker pool was closed'));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private submit(request: WorkerRequest): Promise<FitResponse | Metrics> {
    if (this.closed) return Promise.reject(new CohortError('INTERNAL', 'the worker pool is closed'));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.current !== undefined) continue;
      const job = this.queue.shift();
      if (!job) return;
      slot.current = job;
      slot.worker.postMessage(job.request, [job.request.weights.buffer as ArrayBuffer]);
    }
  }

  private listen(slot: Slot): void {
    slot.worker.on('message', (reply: WorkerReply) => {
      const job = slot.current;
      if (!job || !('job' in reply) || reply.job !== job.request.job) return;
      slot.current = undefined;
      if (reply.type === 'fit-done') job.resolve(reply.response);
      else if (reply.type === 'evaluate-done') job.resolve(reply.metrics);
      else if (reply.type === 'failed') job.reject(revive(reply.error));
      this.dispatch();
    });
    const broken = (reason: string) => {
      if (this.closed) return;
      this.failure ??= new CohortError('INTERNAL', `a simulation worker stopped: ${reason}`);
      this.failAll(this.failure);
    };
    slot.worker.on('error', (error) => broken(error.message));
    slot.worker.on('exit', (code) => broken(`exit code ${code}`));
  }

  private failAll(error: Error): void {
    for (const slot of this.slots) {
      slot.current?.reject(error);
      slot.current = undefined;
    }
    for (const job of this.queue.splice(0)) job.reject(error);
  }
}

function waitUntilReady(worker: Worker): Promise<{ initialWeights: Float32Array; numParameters: number }> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: WorkerReply) => {
      if (reply.type === 'ready') {
        cleanup();
        resolve({ initialWeights: reply.initialWeights, numParameters: reply.numParameters });
      } else if (reply.type === 'init-failed') {
        cleanup();
        reject(revive(reply.error));
      }
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new CohortError('INTERNAL', `a simulation worker failed to start: ${error.message}`, { cause: error }));
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new CohortError('INTERNAL', `a simulation worker exited during start-up (code ${code})`));
    };
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
