/** Server events, handed to whoever prints them (the CLI) — fl/ never prints. */
export type ServerLogLevel = 'info' | 'warn' | 'error';

export interface ServerLogEvent {
  readonly level: ServerLogLevel;
  /** Stable short kind: "rejected-frame", "late-reply", "auth-refused", "round-complete"... */
  readonly kind: string;
  readonly message: string;
  readonly clientId?: string;
  readonly round?: number;
}

export type ServerLogger = (event: ServerLogEvent) => void;
