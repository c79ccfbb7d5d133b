/**
 * `FrameConnection` over a `ws` WebSocket: binary frames only; a text frame closes the socket (1003).
 *
 * Liveness (optional, the server side): a peer that vanishes without closing (power loss, a frozen
 * process, a dropped NAT mapping) leaves a TCP socket that looks open for minutes. Every
 * `intervalMs` the connection sends a WebSocket ping (RFC 6455 §5.5.2; every conforming peer,
 * browsers included, answers with a pong automatically); if neither a pong nor any frame arrived
 * since the previous ping, the socket is terminated and the close handler runs. A dead peer is
 * therefore detected within 2 × `intervalMs`.
 */
import WebSocket from 'ws';
import { check } from '../../errors.js';
import type { FrameConnection } from './connection.js';

export interface LivenessOptions {
  /** Ping period, ms; a peer silent for two periods is dropped. */
  readonly intervalMs: number;
}

export class WsConnection implements FrameConnection {
  private frameHandler: (frame: Uint8Array) => void = () => undefined;
  private closeHandler: (reason: string) => void = () => undefined;
  private closed = false;
  private heardFrom = true;
  private pinger: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: WebSocket,
    readonly remote: string,
    liveness?: LivenessOptions,
  ) {
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      this.heardFrom = true;
      if (!isBinary) {
        this.close(1003, 'binary frames only');
        return;
      }
      const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      this.frameHandler(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength));
    });
    const finish = (reason: string) => {
      if (this.closed) return;
      this.closed = true;
      clearInterval(this.pinger);
      this.closeHandler(reason);
    };
    if (liveness !== undefined) {
      check(Number.isFinite(liveness.intervalMs) && liveness.intervalMs > 0, 'liveness.intervalMs', liveness.intervalMs, 'a number of ms > 0');
      socket.on('pong', () => {
        this.heardFrom = true;
      });
      this.pinger = setInterval(() => {
        if (!this.heardFrom) {
          finish(`unresponsive: no pong or frame within ${2 * liveness.intervalMs} ms`);
          socket.terminate();
          return;
        }
        this.heardFrom = false;
        if (socket.readyState === WebSocket.OPEN) socket.ping();
      }, liveness.intervalMs);
    }
    socket.on('close', (code: number, reason: Buffer) => finish(`closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`));
    socket.on('error', (error: Error) => finish(`error: ${error.message}`));
  }

  get isOpen(): boolean {
    return !this.closed && this.socket.readyState === WebSocket.OPEN;
  }

  send(frame: Uint8Array | readonly Uint8Array[]): boolean {
    if (!this.isOpen) return false;
    if (frame instanceof Uint8Array) this.socket.send(frame, { binary: true });
    else {
      // One message in several WebSocket fragments (RFC 6455 §5.4): the receiver reassembles
      // them, and each part goes to the socket as it is, uncopied. `ws` keeps the fragments of
      // one message together because they are queued in this same synchronous call.
      frame.forEach((part, i) => this.socket.send(part, { binary: true, fin: i === frame.length - 1 }));
    }
    return true;
  }

  onFrame(handler: (frame: Uint8Array) => void): void {
    this.frameHandler = handler;
  }

  onClose(handler: (reason: string) => void): void {
    this.closeHandler = handler;
  }

  close(code = 1000, reason = ''): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(code, reason);
  }
}
