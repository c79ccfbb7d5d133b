// Lightweight protocol clients for bench/network-round.ts, run in a child process so that many
// sockets do not share the server's event loop: they authenticate, then echo the weights of every
// fit request (no training). Started by the benchmark with fork(); talks to it over IPC:
//   parent → { url, names: string[], zeroMask: boolean }; child → { ready: n } when all joined, { error } on failure.
import { create } from '@bufbuild/protobuf';
import WebSocket from 'ws';
import { clientProof, newNonce } from '../src/fl/transport/auth.js';
import { decodeFrame, encodeFrame } from '../src/fl/transport/frame.js';
import { FitReplySchema, HelloSchema } from '../src/fl/transport/gen/cohort_pb.js';

export const benchToken = (name: string): string => `${name}.bench-token-0123456789abcdef`;

/**
 * `zeroMask`: send frames with an all-zero masking key (ws's `generateMask`), which ws servers
 * skip unmasking. RFC 6455 §5.3 wants an unpredictable key, so real clients never do this; the
 * benchmark uses it to show what the server's pure-JS unmasking costs when ws runs without its
 * optional native `bufferutil` addon.
 */
export function lightweightClient(url: string, name: string, zeroMask = false): Promise<WebSocket> {
  const token = benchToken(name);
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { maxPayload: 64 * 1024 * 1024, ...(zeroMask ? { generateMask: (mask: Buffer) => void mask.fill(0) } : {}) });
    socket.on('error', reject);
    socket.on('message', (data: Buffer) => {
      const body = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).body;
      if (body.case === 'challenge') {
        const clientNonce = newNonce();
        const proof = clientProof(token, body.value.serverNonce, clientNonce, name);
        socket.send(encodeFrame({ case: 'hello', value: create(HelloSchema, { clientName: name, clientNonce, proof, numExamples: 10n, numFeatures: 1 }) }));
      } else if (body.case === 'welcome') resolve(socket);
      else if (body.case === 'fitRequest') {
        socket.send(encodeFrame({ case: 'fitReply', value: create(FitReplySchema, { requestId: body.value.requestId, weights: body.value.weights, numExamples: 10n, metrics: { trainLoss: 1 } }) }));
      }
    });
  });
}

if (process.send !== undefined) {
  process.once('message', (message: { url: string; names: string[]; zeroMask: boolean }) => {
    const sockets: WebSocket[] = [];
    // Join in small batches: a thousand simultaneous TLS-less handshakes still queue on 2 cores.
    void (async () => {
      try {
        for (let i = 0; i < message.names.length; i += 50) {
          sockets.push(...(await Promise.all(message.names.slice(i, i + 50).map((name) => lightweightClient(message.url, name, message.zeroMask)))));
        }
        process.send?.({ ready: sockets.length });
      } catch (error) {
        process.send?.({ error: String(error) });
      }
    })();
    process.on('disconnect', () => {
      for (const socket of sockets) socket.terminate();
      process.exit(0);
    });
  });
}
