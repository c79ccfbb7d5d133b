/**
 * Worker thread of PaillierWorkerPool: computes random factors r^n mod n² (standard or fast
 * mode, from its own CSPRNG) and encrypts packed slices of vectors.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CohortError } from '../../errors.js';
import { FastObfuscator } from './fast-mode.js';
import { StandardObfuscator, type ObfuscatorSource } from './obfuscators.js';
import { PackingScheme } from './packing.js';
import { PaillierPublicKey } from './public-key.js';
import type { WorkerInit, WorkerRequest, WorkerResponse } from './worker-messages.js';

const init = workerData as WorkerInit;
const publicKey = new PaillierPublicKey(init.n);
const obfuscator: ObfuscatorSource =
  init.mode === 'fast'
    ? new FastObfuscator(init.n, {
        ...(init.generator === undefined ? {} : { generator: init.generator }),
        ...(init.exponentBits === undefined ? {} : { exponentBits: init.exponentBits }),
      })
    : new StandardObfuscator(init.n);

function handle(request: WorkerRequest): bigint[] {
  if (request.kind === 'factors') return Array.from({ length: request.count }, () => obfuscator.next());
  const scheme = new PackingScheme(publicKey, request.packing);
  return scheme.pack(request.values).map((m) => (publicKey.nude(m) * obfuscator.next()) % publicKey.nSquared);
}

parentPort?.on('message', (request: WorkerRequest) => {
  let response: WorkerResponse;
  try {
    response = { id: request.id, ok: true, values: handle(request) };
  } catch (error) {
    response = {
      id: request.id,
      ok: false,
      message: error instanceof Error ? error.message : String(error),
      ...(error instanceof CohortError ? { code: error.code } : {}),
    };
  }
  parentPort?.postMessage(response);
});
