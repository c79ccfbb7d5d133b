/** Messages between PaillierWorkerPool and its worker threads (structured clone carries bigint). */
import type { PackingOptions } from './packing.js';

export interface WorkerInit {
  readonly n: bigint;
  readonly mode: 'standard' | 'fast';
  /** Fast mode: the shared h_s and ℓ. */
  readonly generator?: bigint;
  readonly exponentBits?: number;
}

export type WorkerRequest =
  | { readonly id: number; readonly kind: 'factors'; readonly count: number }
  | { readonly id: number; readonly kind: 'encryptPacked'; readonly packing: Required<PackingOptions>; readonly values: Float32Array | Float64Array };

export type WorkerResponse =
  | { readonly id: number; readonly ok: true; readonly values: bigint[] }
  | { readonly id: number; readonly ok: false; readonly message: string; readonly code?: string };
