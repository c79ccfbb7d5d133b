/**
 * Chooses the TensorFlow.js backend once per process (or worker thread).
 *
 * Default order: `@tensorflow/tfjs-node` when the user has installed it (native TensorFlow),
 * else the WebAssembly backend with SIMD (measured here ~30× the pure-JS CPU backend on matmul),
 * else the pure-JS CPU backend. The wasm backend runs single-threaded: the federated simulator
 * gets its parallelism from worker threads, one backend each.
 */
import * as tf from '@tensorflow/tfjs-core';
// Side effects: registers the 'cpu' and 'wasm' backends with tfjs-core.
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// Side effect: tfjs-layers registers every op's gradient (tfjs-core alone does not in Node).
import '@tensorflow/tfjs-layers';
import { CohortError, check } from '../errors.js';
import { installFastGradients } from './fast-gradients.js';

export type BackendName = 'wasm' | 'cpu' | 'tensorflow';

export interface BackendOptions {
  /** Force one backend; without it the fastest available one is chosen. */
  readonly backend?: BackendName;
}

const BACKENDS: readonly BackendName[] = ['wasm', 'cpu', 'tensorflow'];
/** The package users install for the native backend; a variable so bundlers do not require it. */
const TFJS_NODE_PACKAGE = '@tensorflow/tfjs-node';

let chosen: BackendName | undefined;
let queue: Promise<unknown> = Promise.resolve();
let wasmPathsSet = false;

/**
 * Initialises the backend and returns its name. Idempotent: later calls without an explicit
 * backend return the one already chosen; an explicit different backend switches to it.
 * Throws UNSUPPORTED when an explicitly requested backend cannot be loaded.
 */
export async function initBackend(options: BackendOptions = {}): Promise<string> {
  const requested = options.backend;
  check(requested === undefined || BACKENDS.includes(requested), 'backend', requested, 'one of "wasm", "cpu", "tensorflow"');
  // Calls are serialised so that two concurrent callers never race on tf.setBackend.
  const result = queue.then(() => selectBackend(requested));
  queue = result.catch(() => undefined);
  return result;
}

/** The backend chosen by `initBackend`, or undefined before the first call. */
export function currentBackend(): BackendName | undefined {
  return chosen;
}

async function selectBackend(requested: BackendName | undefined): Promise<BackendName> {
  installFastGradients();
  if (chosen !== undefined && (requested === undefined || requested === chosen) && tf.getBackend() === chosen) {
    return chosen;
  }
  const candidates: readonly BackendName[] = requested === undefined ? ['tensorflow', 'wasm', 'cpu'] : [requested];
  const failures: string[] = [];
  for (const name of candidates) {
    try {
      if (await activate(name)) {
        chosen = name;
        return name;
      }
      failures.push(`${name}: not available`);
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const hint = requested === 'tensorflow' ? ` (install ${TFJS_NODE_PACKAGE})` : '';
  throw new CohortError('UNSUPPORTED', `backend ${requested ?? 'auto'} could not be initialised${hint}: ${failures.join('; ')}`, {
    subject: 'backend',
  });
}

async function activate(name: BackendName): Promise<boolean> {
  if (name === 'tensorflow') {
    // Fails softly when the package is absent (the usual case): the caller tries the next backend.
    await import(TFJS_NODE_PACKAGE);
    // A tfjs-node built against another tfjs-core copy registers its backend elsewhere.
    if (tf.findBackendFactory('tensorflow') === null) return false;
    return tf.setBackend('tensorflow');
  }
  if (name === 'wasm') {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!wasmPathsSet) {
      const dir = await wasmDistDirectory();
      if (dir !== undefined) setWasmPaths(dir);
      wasmPathsSet = true;
    }
    return tf.setBackend('wasm');
  }
  return tf.setBackend('cpu');
}

/**
 * In Node the .wasm binaries are read from the installed package's dist/ folder (works offline).
 * In browsers the page decides where they are served from, so nothing is set here.
 */
async function wasmDistDirectory(): Promise<string | undefined> {
  const nodeVersion = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  if (nodeVersion === undefined) return undefined;
  const { createRequire } = await import('node:module');
  const path = await import('node:path');
  const packageJson = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(packageJson), 'dist') + path.sep;
}
