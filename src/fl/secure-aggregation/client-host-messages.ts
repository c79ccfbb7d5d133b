/** Messages between client-host.ts and its worker threads (client-worker.ts). */
import type { WeightedFixedPointSettings } from './encoder.js';

/** workerData: the weighted fixed-point settings when the thread encodes updates itself. */
export interface ClientHostInit {
  readonly encoder?: WeightedFixedPointSettings;
}

export type ClientHostRequest =
  | { readonly type: 'input'; readonly clientId: string; readonly round: number; readonly input: Uint32Array }
  | { readonly type: 'handle'; readonly job: number; readonly clientId: string; readonly request: Uint8Array }
  | { readonly type: 'ping'; readonly job: number }
  | { readonly type: 'update'; readonly job: number; readonly clientId: string; readonly round: number; readonly delta: Float32Array; readonly numExamples: number };

export interface SerializedHostError {
  readonly message: string;
  readonly code?: string;
  readonly subject?: string;
}

export type ClientHostReply =
  | { readonly type: 'handled'; readonly job: number; readonly reply: Uint8Array }
  | { readonly type: 'pong'; readonly job: number }
  | { readonly type: 'held'; readonly job: number }
  | { readonly type: 'failed'; readonly job: number; readonly error: SerializedHostError };
