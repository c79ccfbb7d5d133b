/** Messages between client-host.ts and its worker threads (client-worker.ts). */
export type ClientHostRequest =
  | { readonly type: 'input'; readonly clientId: string; readonly round: number; readonly input: Uint32Array }
  | { readonly type: 'handle'; readonly job: number; readonly clientId: string; readonly request: Uint8Array }
  | { readonly type: 'ping'; readonly job: number };

export interface SerializedHostError {
  readonly message: string;
  readonly code?: string;
  readonly subject?: string;
}

export type ClientHostReply =
  | { readonly type: 'handled'; readonly job: number; readonly reply: Uint8Array }
  | { readonly type: 'pong'; readonly job: number }
  | { readonly type: 'failed'; readonly job: number; readonly error: SerializedHostError };
