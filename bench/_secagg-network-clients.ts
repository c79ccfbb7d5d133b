// Lightweight SecAgg+ protocol clients for bench/secagg-network.ts, run in a child process so that
// the clients' crypto does not share the server's event loop. No training: a fit returns the
// received weights plus a fixed pseudo-random update, which `secureAggregationClient` encodes and
// masks exactly as `cohort client` does; fit replies carry no weights. A client named in `drop`
// closes its socket when the maskedInput request comes (a dropout after key sharing).
// Started with fork(); IPC: parent → { url, names, drop }; child → { ready: n } | { error }.
import { create } from '@bufbuild/protobuf';
import WebSocket from 'ws';
import { SeededRandom } from '../src/crypto/random.js';
import { encoderFromWelcome } from '../src/fl/client/secure-client.js';
import { secureAggregationClient } from '../src/fl/secure-aggregation/index.js';
import { clientProof, newNonce } from '../src/fl/transport/auth.js';
import { decodeFrame, encodeFrame } from '../src/fl/transport/frame.js';
import { FitReplySchema, HelloSchema } from '../src/fl/transport/gen/cohort_pb.js';
import { fromRoundConfig } from '../src/fl/transport/messages.js';
import { secAggReplyFrame } from '../src/fl/transport/secagg-frames.js';
import { decodeTensor, encodeTensor } from '../src/fl/transport/tensor.js';
import type { FederatedClient } from '../src/fl/types.js';
import { decodeServerMessage } from '../src/secagg/index.js';

export const secureBenchToken = (name: string): string => `${name}.bench-token-0123456789abcdef`;
export const BENCH_EXAMPLES = 50;

export function secureClient(url: string, name: string, drop: boolean): Promise<WebSocket> {
  const token = secureBenchToken(name);
  const update = new SeededRandom(name.length * 1_000_003 + Number(name.replace(/\D/g, '') || 0));
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { maxPayload: 64 * 1024 * 1024 });
    let secure: ReturnType<typeof secureAggregationClient> | undefined;
    let work: Promise<void> = Promise.resolve();
    socket.on('error', reject);
    socket.on('message', (data: Buffer) => {
      const body = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).body;
      if (body.case === 'challenge') {
        const clientNonce = newNonce();
        const proof = clientProof(token, body.value.serverNonce, clientNonce, name);
        socket.send(encodeFrame({ case: 'hello', value: create(HelloSchema, { clientName: name, clientNonce, proof, numExamples: BigInt(BENCH_EXAMPLES), numFeatures: 1 }) }));
      } else if (body.case === 'welcome') {
        const settings = body.value.secureAggregation;
        if (settings === undefined) {
          reject(new Error('the server does not use secure aggregation'));
          return;
        }
        const inner: FederatedClient = {
          id: name,
          numExamples: BENCH_EXAMPLES,
          fit: async (weights) => {
            const trained = new Float32Array(weights.length);
            for (let i = 0; i < trained.length; i++) trained[i] = (weights[i] as number) + (update.uniform() - 0.5) * 0.2;
            return { weights: trained, numExamples: BENCH_EXAMPLES, metrics: { trainLoss: 1 } };
          },
        };
        secure = secureAggregationClient(inner, { encoder: encoderFromWelcome(settings) });
        resolve(socket);
      } else if (body.case === 'fitRequest') {
        const request = body.value;
        work = work.then(async () => {
          const response = await (secure as NonNullable<typeof secure>).fit(decodeTensor(request.weights, 'bench'), fromRoundConfig(request.config));
          socket.send(encodeFrame({ case: 'fitReply', value: create(FitReplySchema, { requestId: request.requestId, weights: encodeTensor(response.weights), numExamples: BigInt(response.numExamples), metrics: { ...response.metrics } }) }));
        });
      } else if (body.case === 'secaggRequest') {
        const request = body.value;
        work = work.then(async () => {
          if (drop && decodeServerMessage(request.payload).stage === 'maskedInput') {
            socket.terminate();
            return;
          }
          socket.send(secAggReplyFrame(request.requestId, await (secure as NonNullable<typeof secure>).handleSecAgg(request.payload)));
        });
      }
    });
  });
}

if (process.send !== undefined) {
  process.once('message', (message: { url: string; names: string[]; drop: string[] }) => {
    const sockets: WebSocket[] = [];
    void (async () => {
      try {
        for (let i = 0; i < message.names.length; i += 25) {
          sockets.push(...(await Promise.all(message.names.slice(i, i + 25).map((name) => secureClient(message.url, name, message.drop.includes(name))))));
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
