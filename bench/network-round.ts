// Network round cost with lightweight protocol clients (no training: they echo the weights):
// (a) round overhead, 10 clients, tiny model — target ≤ 50 ms;
// (b) 1,000 concurrent clients, 100,000-parameter model, one round — target ≤ 10 s.
// All sockets on 127.0.0.1 in this one process. Run: node --import tsx bench/network-round.ts
import { writeFileSync } from 'node:fs';
import { create } from '@bufbuild/protobuf';
import WebSocket from 'ws';
import { FedAvg } from '../src/fl/strategies/fedavg.js';
import { FederationServer } from '../src/fl/server/index.js';
import { clientProof, newNonce, storedKeyOf } from '../src/fl/transport/auth.js';
import { decodeFrame, encodeFrame } from '../src/fl/transport/frame.js';
import { FitReplySchema, HelloSchema } from '../src/fl/transport/gen/cohort_pb.js';
import { openDatabase } from '../src/store/database.js';
import { FederationStateStore } from '../src/store/federation-state.js';

async function scenario(clients: number, parameters: number, rounds: number): Promise<{ roundMs: number[]; joinMs: number }> {
  const db = openDatabase(':memory:');
  const store = new FederationStateStore(db);
  const names = Array.from({ length: clients }, (_, i) => `c${i}`);
  for (const name of names) store.addClient(name, storedKeyOf(`${name}.bench-token-0123456789abcdef`));
  const roundMs: number[] = [];
  let last = performance.now();
  const server = await FederationServer.create({
    store,
    strategy: new FedAvg({ localEpochs: 1, batchSize: 1, optimizer: { kind: 'sgd', learningRate: 0.1 } }),
    rounds,
    minClients: clients,
    roundDeadlineMs: 60_000,
    modelSpec: 'logreg',
    numFeatures: 1,
    classNames: ['a', 'b'],
    initialWeights: new Float32Array(parameters),
    seed: 1,
    log: (event) => {
      if (event.kind === 'round-complete') {
        const now = performance.now();
        roundMs.push(now - last);
        last = now;
      }
    },
  });
  const { url } = await server.listen();
  const joinStart = performance.now();
  const sockets = await Promise.all(names.map((name) => lightweightClient(url, name)));
  const joinMs = performance.now() - joinStart;
  last = performance.now();
  await server.run();
  for (const socket of sockets) socket.terminate();
  await server.close();
  db.close();
  return { roundMs, joinMs };
}

function lightweightClient(url: string, name: string): Promise<WebSocket> {
  const token = `${name}.bench-token-0123456789abcdef`;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { maxPayload: 64 * 1024 * 1024 });
    socket.on('error', reject);
    socket.on('message', (data: Buffer) => {
      const body = decodeFrame(new Uint8Array(data)).body;
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

const small = await scenario(10, 10, 20);
const overhead = [...small.roundMs.slice(1)].sort((a, b) => a - b);
const big = await scenario(1000, 100_000, 1);
const rows = [
  { scenario: '10 clients, 10 params, round overhead (median of 19)', ms: overhead[Math.floor(overhead.length / 2)], targetMs: 50 },
  { scenario: '1,000 clients, 100,000 params, one round', ms: big.roundMs[0], targetMs: 10_000 },
  { scenario: '1,000 clients: all authenticated (join)', ms: big.joinMs, targetMs: null },
];
console.table(rows);
writeFileSync('bench/results/network-round.json', `${JSON.stringify(rows, null, 2)}\n`);
