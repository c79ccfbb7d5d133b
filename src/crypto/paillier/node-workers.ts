/**
 * Node-only: Paillier work spread over worker threads (one per core to use). Used to refill an
 * ObfuscatorPool in the background and to encrypt a large packed vector on several cores.
 * Imported dynamically (see index.ts) so that browser bundles never see node:worker_threads.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CohortError, check, type CohortErrorCode } from '../../errors.js';
import { EncryptedVector, type PackingScheme } from './packing.js';
import type { PaillierPublicKey } from './public-key.js';
import type { WorkerInit, WorkerRequest, WorkerResponse } from './worker-messages.js';

export interface PaillierWorkerOptions {
  /** Threads to start (default 2). */
  readonly workers?: number;
  /** Randomiser each worker uses: 'standard' (default) or 'fast' (DJN short exponent, see fast-mode.ts). */
  readonly mode?: 'standard' | 'fast';
  /** Fast mode: share this h_s (e.g. FastObfuscator.generator) instead of drawing one per worker. */
  readonly generator?: bigint;
  readonly exponentBits?: number;
}

interface Pending {
  resolve(values: bigint[]): void;
  reject(error: Error): void;
}

function startWorker(init: WorkerInit): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), { workerData: init });
  // From TypeScript sources (tests, benchmarks): register tsx inside the worker, then load worker.ts.
  const target = new URL('./worker.ts', import.meta.url).href;
  const tsx = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'esm', 'api', 'index.mjs')).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(target)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: init });
}

export class PaillierWorkerPool {
  readonly publicKey: PaillierPublicKey;
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  private constructor(publicKey: PaillierPublicKey, workers: Worker[]) {
    this.publicKey = publicKey;
    this.workers = workers;
    for (const worker of workers) {
      worker.on('message', (response: WorkerResponse) => this.settle(response));
      worker.on('error', (error: Error) => this.failAll(error));
    }
  }

  static start(publicKey: PaillierPublicKey, options: PaillierWorkerOptions = {}): PaillierWorkerPool {
    const count = options.workers ?? 2;
    check(Number.isInteger(count) && count >= 1 && count <= 64, 'workers', count, 'an integer in [1, 64]');
    const init: WorkerInit = {
      n: publicKey.n,
      mode: options.mode ?? 'standard',
      ...(options.generator === undefined ? {} : { generator: options.generator }),
      ...(options.exponentBits === undefined ? {} : { exponentBits: options.exponentBits }),
    };
    return new PaillierWorkerPool(publicKey, Array.from({ length: count }, () => startWorker(init)));
  }

  get size(): number {
    return this.workers.length;
  }

  /** `count` fresh factors r^n mod n², split over the workers (feed to ObfuscatorPool.refill). */
  async factors(count: number): Promise<bigint[]> {
    check(Number.isInteger(count) && count >= 0, 'count', count, 'a non-negative integer');
    const shares = splitEvenly(count, this.workers.length);
    const parts = await Promise.all(shares.map((share, w) => (share === 0 ? Promise.resolve([]) : this.request(w, { kind: 'factors', count: share }))));
    return parts.flat();
  }

  /** Packs and encrypts `values` on all workers (slices aligned to whole ciphertexts). */
  async encryptPacked(scheme: PackingScheme, values: Float32Array | Float64Array): Promise<EncryptedVector> {
    if (scheme.publicKey.n !== this.publicKey.n) {
      throw new CohortError('INVALID_ARGUMENT', 'the packing scheme belongs to a different public key', { subject: 'scheme' });
    }
    const ciphertexts = scheme.ciphertextsFor(values.length);
    // Several slices per worker so that a slow thread does not hold everyone up.
    const slices = Math.min(ciphertexts, this.workers.length * 4);
    const perSlice = splitEvenly(ciphertexts, slices);
    const requests: Promise<bigint[]>[] = [];
    let start = 0;
    perSlice.forEach((count, s) => {
      const from = start * scheme.slotsPerCiphertext;
      const to = Math.min(values.length, (start + count) * scheme.slotsPerCiphertext);
      start += count;
      requests.push(this.request(s % this.workers.length, { kind: 'encryptPacked', packing: scheme.options, values: values.slice(from, to) }));
    });
    const parts = await Promise.all(requests);
    return new EncryptedVector(scheme, parts.flat(), values.length, 1);
  }

  async close(): Promise<void> {
    this.failAll(new CohortError('INVALID_ARGUMENT', 'the Paillier worker pool was closed', { subject: 'pool' }));
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private request(worker: number, body: { kind: 'factors'; count: number } | Omit<Extract<WorkerRequest, { kind: 'encryptPacked' }>, 'id'>): Promise<bigint[]> {
    const id = this.nextId++;
    return new Promise<bigint[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      (this.workers[worker] as Worker).postMessage({ id, ...body } as WorkerRequest);
    });
  }

  private settle(response: WorkerResponse): void {
    const pending = this.pending.get(response.id);
    if (pending === undefined) return;
    this.pending.delete(response.id);
    if (response.ok) pending.resolve(response.values);
    else pending.reject(new CohortError((response.code ?? 'INTERNAL') as CohortErrorCode, response.message));
  }

  private failAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

function splitEvenly(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0));
}
