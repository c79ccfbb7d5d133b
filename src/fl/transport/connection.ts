/**
 * The transport interface the server and client runtimes are written against: a connection that
 * carries whole binary frames both ways. WebSocket (ws-connection.ts) implements it; tests and
 * benchmarks may plug in an in-memory pair.
 */
export interface FrameConnection {
  /**
   * Sends one frame; false when the connection is already closed (the frame is dropped). A frame
   * given as parts is sent as their concatenation; a transport may send the parts without joining
   * them (WebSocket fragments), so a part shared by many frames is never copied per frame.
   */
  send(frame: Uint8Array | readonly Uint8Array[]): boolean;
  /** Registers the single handler of incoming frames. */
  onFrame(handler: (frame: Uint8Array) => void): void;
  /** Registers the handler of the close (called once). */
  onClose(handler: (reason: string) => void): void;
  close(code?: number, reason?: string): void;
  readonly isOpen: boolean;
  /** Where the peer is, for logs. */
  readonly remote: string;
}
