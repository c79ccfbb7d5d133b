/**
 * Worker threads for the SecAgg+ work of simulated clients. In one process, all clients' key
 * agreements, share encryption and mask expansion would otherwise run on the thread that also
 * plays the server; spreading the clients over threads uses the machine's cores as separate
 * client machines would. Each client is pinned to one thread (round-robin); the wrapper in the
 * main thread trains and encodes, then transfers the encoded update to that thread, which keeps
 * it and answers the stage requests (bytes both ways, through postMessage).
 *
 * From compiled JavaScript the worker is client-worker.js; from TypeScript source (vitest,
 * `node --import tsx`) a one-line bootstrap registers tsx in the thread first, as
 * src/fl/simulation/worker-pool.ts does.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CohortError, type CohortErrorCode, check } from '../../errors.js';
import type { SecAggClientBackend } from './client.js';
import type { ClientHostInit, ClientHostReply, ClientHostRequest } from './client-host-messages.js';
import type { WeightedFixedPointSettings } from './encoder.js';

interface Pending {
  readonly resolve: (reply: Uint8Array) => void;
  readonly reject: (error: unknown) => void;
}

interface Thread {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  failure: Error | undefined;
}

function startWorker(init: ClientHostInit): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./client-worker.js', import.meta.url), { workerData: init });
  const target = new URL('./client-worker.ts', import.meta.url).href;
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

/** Transferable view: the buffer moves to the thread when the view covers all of it, else a copy does. */
function ownBuffer<T extends Uint8Array | Uint32Array | Float32Array>(view: T): T {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer ? view : (view.slice() as T);
}

export class SecAggClientHost {
  private readonly threads: Thread[];
  private readonly assigned = new Map<string, Thread>();
  private nextJob = 1;
  private closed = false;
  private readonly encodes: boolean;

  /**
   * @param encoder weighted fixed-point settings: the threads then also encode the updates (the
   *   wrapper sends Δ, the thread quantises it with the CSPRNG), so that encoding runs in parallel too
   */
  constructor(threads: number, options: { readonly encoder?: WeightedFixedPointSettings } = {}) {
    check(Number.isInteger(threads) && threads >= 1 && threads <= 64, 'threads', threads, 'an integer in [1, 64]');
    const init: ClientHostInit = options.encoder === undefined ? {} : { encoder: options.encoder };
    this.encodes = options.encoder !== undefined;
    this.threads = Array.from({ length: threads }, () => this.start(init));
  }

  get size(): number {
    return this.threads.length;
  }

  /** The backend of one client, pinned to a thread (round-robin in the order of the calls). */
  backend(clientId: string): SecAggClientBackend {
    check(!this.assigned.has(clientId), 'clientId', clientId, 'not yet hosted');
    const thread = this.threads[this.assigned.size % this.threads.length] as Thread;
    this.assigned.set(clientId, thread);
    return {
      setInput: (round, input) => {
        if (this.closed) throw new CohortError('INTERNAL', 'the SecAgg client threads were closed');
        const owned = ownBuffer(input);
        const message: ClientHostRequest = { type: 'input', clientId, round, input: owned };
        thread.worker.postMessage(message, [owned.buffer as ArrayBuffer]);
      },
      handle: (request) => this.request(thread, clientId, request),
      ...(this.encodes
        ? {
            encodeAndHold: async (round: number, delta: Float32Array, numExamples: number) => {
              const owned = ownBuffer(delta);
              await this.send(thread, (job) => ({ type: 'update', job, clientId, round, delta: owned, numExamples }), [owned.buffer as ArrayBuffer]);
            },
          }
        : {}),
    };
  }

  /** Resolves once every thread has started and answers (thread start-up is not a round's cost). */
  async ready(): Promise<void> {
    await Promise.all(
      this.threads.map((thread) => this.send(thread, (job) => ({ type: 'ping', job }))),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const thread of this.threads) this.fail(thread, new CohortError('INTERNAL', 'the SecAgg client threads were closed'));
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
  }

  private request(thread: Thread, clientId: string, request: Uint8Array): Promise<Uint8Array> {
    const owned = ownBuffer(request);
    return this.send(thread, (job) => ({ type: 'handle', job, clientId, request: owned }), [owned.buffer as ArrayBuffer]);
  }

  private send(thread: Thread, message: (job: number) => ClientHostRequest, transfer: ArrayBuffer[] = []): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new CohortError('INTERNAL', 'the SecAgg client threads were closed'));
    if (thread.failure) return Promise.reject(thread.failure);
    const job = this.nextJob++;
    return new Promise((resolve, reject) => {
      thread.pending.set(job, { resolve, reject });
      thread.worker.postMessage(message(job), transfer);
    });
  }

  private start(init: ClientHostInit): Thread {
    const thread: Thread = { worker: startWorker(init), pending: new Map(), failure: undefined };
    // Pending requests keep the process alive through the driver's deadline timers; an idle host does not.
    thread.worker.unref();
    thread.worker.on('message', (reply: ClientHostReply) => {
      const pending = thread.pending.get(reply.job);
      if (pending === undefined) return;
      thread.pending.delete(reply.job);
      if (reply.type === 'handled') pending.resolve(reply.reply);
      else if (reply.type === 'pong' || reply.type === 'held') pending.resolve(new Uint8Array(0));
      else pending.reject(new CohortError((reply.error.code ?? 'INTERNAL') as CohortErrorCode, reply.error.message, reply.error.subject === undefined ? {} : { subject: reply.error.subject }));
    });
    const broken = (reason: string) => {
      if (this.closed) return;
      this.fail(thread, new CohortError('INTERNAL', `a SecAgg client thread stopped: ${reason}`));
    };
    thread.worker.on('error', (error) => broken(error.message));
    thread.worker.on('exit', (code) => broken(`exit code ${code}`));
    return thread;
  }

  private fail(thread: Thread, error: Error): void {
    thread.failure ??= error;
    for (const pending of thread.pending.values()) pending.reject(error);
    thread.pending.clear();
  }
}
