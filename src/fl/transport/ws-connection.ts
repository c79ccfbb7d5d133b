/** `FrameConnection` over a `ws` WebSocket: binary frames only; a text frame closes the socket (1003). */
import WebSocket from 'ws';
import type { FrameConnection } from './connection.js';

export class WsConnection implements FrameConnection {
  private frameHandler: (frame: Uint8Array) => void = () => undefined;
  private closeHandler: (reason: string) => void = () => undefined;
  private closed = false;

  constructor(
    private readonly socket: WebSocket,
    readonly remote: string,
  ) {
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
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
      this.closeHandler(reason);
    };
    socket.on('close', (code: number, reason: Buffer) => finish(`closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`));
    socket.on('error', (error: Error) => finish(`error: ${error.message}`));
  }

  get isOpen(): boolean {
    return !this.closed && this.socket.readyState === WebSocket.OPEN;
  }

  send(frame: Uint8Array): boolean {
    if (!this.isOpen) return false;
    this.socket.send(frame, { binary: true });
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
