/**
 * Node only: Gaussian noise blocks generated in a worker thread, `depth` blocks ahead, so that a
 * DP-SGD step finds its noise ready instead of spending ~30 % of the step drawing it (measured in
 * bench/dp-sgd-overhead.ts). Blocks travel as transferred ArrayBuffers: a block handed to the
 * trainer is no longer readable in the worker, and a recycled one is detached from the trainer.
 * Imported dynamically by createGaussianNoise so that browser bundles never see node:worker_threads.
 *
 * The worker is unref'd while nobody waits for a block, so an open source never keeps the process
 * alive; close() terminates it.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CohortError, check } from '../../errors.js';
import { validateNoiseOptions, type GaussianNoiseOptions, type GaussianNoiseSource } from './gaussian-noise.js';
import type { NoiseWorkerInit, NoiseWorkerMessage } from './noise-worker.js';

/** Compiled: noise-worker.js. From TypeScript sources (tests, benchmarks): register tsx in the worker first. */
function startWorker(init: NoiseWorkerInit): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./noise-worker.js', import.meta.url), { workerData: init });
  const target = new URL('./noise-worker.ts', import.meta.url).href;
  const tsx = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'esm', 'api', 'index.mjs')).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(target)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: init });
}

interface Pending {
  readonly promise: Promise<Float32Array>;
  resolve(block: Float32Array): void;
  reject(error: Error): void;
}

export class WorkerGaussianNoise implements GaussianNoiseSource {
  readonly background = true;
  /** Sent to the worker, not answered yet (answers come back in order). */
  private readonly unanswered: Pending[] = [];
  /** Requested blocks not yet handed out, oldest first. */
  private readonly ahead: Promise<Float32Array>[] = [];
  private readonly spare: ArrayBuffer[] = [];
  private failure: Error | undefined;
  private waiting = 0;
  private closed = false;

  private constructor(
    readonly blockLength: number,
    readonly standardDeviation: number,
    private readonly worker: Worker,
    private readonly depth: number,
  ) {
    worker.on('message', (message: NoiseWorkerMessage) => this.unanswered.shift()?.resolve(new Float32Array(message.buffer)));
    worker.on('error', (error: Error) => this.fail(error));
    worker.on('exit', (code) => {
      if (!this.closed) this.fail(new CohortError('INTERNAL', `noise worker exited with code ${code}`));
    });
    worker.unref();
    for (let i = 0; i < depth; i++) this.request();
  }

  /** Starts the worker (its own CSPRNG: `options.rng` is not used here). */
  static start(options: GaussianNoiseOptions): WorkerGaussianNoise {
    validateNoiseOptions(options);
    const standardDeviation = options.standardDeviation ?? 1;
    const worker = startWorker({ construction: options.construction ?? 'plain', standardDeviation });
    return new WorkerGaussianNoise(options.blockLength, standardDeviation, worker, options.depth ?? 2);
  }

  async nextBlock(): Promise<Float32Array> {
    if (this.failure !== undefined) throw this.failure;
    check(!this.closed, 'noise source', 'closed', 'open');
    if (this.ahead.length === 0) this.request();
    const next = this.ahead.shift() as Promise<Float32Array>;
    this.request(); // keep `depth` blocks coming
    this.waiting += 1;
    if (this.waiting === 1) this.worker.ref();
    try {
      return await next;
    } finally {
      this.waiting -= 1;
      if (this.waiting === 0 && !this.closed) this.worker.unref();
    }
  }

  recycle(block: Float32Array): void {
    if (this.closed || block.length !== this.blockLength || block.byteOffset !== 0 || block.buffer.byteLength !== block.byteLength) {
      block.fill(0);
      return;
    }
    // Transferred to the worker on the next request, which overwrites every value.
    this.spare.push(block.buffer as ArrayBuffer);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new CohortError('INVALID_ARGUMENT', 'noise source closed', { subject: 'noise source' });
    for (const pending of this.unanswered.splice(0)) pending.reject(error);
    this.ahead.length = 0;
    for (const buffer of this.spare.splice(0)) new Float32Array(buffer).fill(0);
    await this.worker.terminate();
  }

  private request(): void {
    let resolve!: (block: Float32Array) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<Float32Array>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => undefined); // a rejection nobody awaits (after close) is not an error
    const pending: Pending = { promise, resolve, reject };
    this.unanswered.push(pending);
    this.ahead.push(promise);
    const buffer = this.spare.pop() ?? new ArrayBuffer(this.blockLength * 4);
    const message: NoiseWorkerMessage = { buffer };
    this.worker.postMessage(message, [buffer]);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.unanswered.splice(0)) pending.reject(this.failure);
  }
}
