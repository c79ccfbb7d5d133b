// Network round cost with lightweight protocol clients (no training: they echo the weights):
// (a) round overhead, 10 clients, tiny model — target ≤ 50 ms;
// (b) 1,000 concurrent clients, 100,000-parameter model, one round — target ≤ 10 s.
// Sockets on 127.0.0.1; (a) runs its clients in this process, (b) spreads its clients over
// CLIENT_PROCESSES child processes (bench/_network-round-clients.ts) so they do not share the
// server's event loop. Run: node --import tsx bench/network-round.ts
import { type ChildProcess, fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type WebSocket from 'ws';
import { FedAvg } from '../src/fl/strategies/fedavg.js';
import { FederationServer } from '../src/fl/server/index.js';
import { storedKeyOf } from '../src/fl/transport/auth.js';
import { openDatabase } from '../src/store/database.js';
import { FederationStateStore } from '../src/store/federation-state.js';
import { benchToken, lightweightClient } from './_network-round-clients.js';

const CLIENT_PROCESSES = 3;

async function scenario(clients: number, parameters: number, rounds: number, processes: number, zeroMask = false): Promise<{ roundMs: number[]; joinMs: number }> {
  const db = openDatabase(':memory:');
  const store = new FederationStateStore(db);
  const names = Array.from({ length: clients }, (_, i) => `c${i}`);
  for (const name of names) store.addClient(name, storedKeyOf(benchToken(name)));
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
  let sockets: WebSocket[] = [];
  let children: ChildProcess[] = [];
  if (processes === 0) sockets = await Promise.all(names.map((name) => lightweightClient(url, name)));
  else children = await startClientProcesses(url, names, processes, zeroMask);
  const joinMs = performance.now() - joinStart;
  last = performance.now();
  await server.run();
  for (const socket of sockets) socket.terminate();
  for (const child of children) child.disconnect();
  await server.close();
  db.close();
  return { roundMs, joinMs };
}

/** Forks `processes` children, gives each a share of the names, resolves when all have joined. */
async function startClientProcesses(url: string, names: readonly string[], processes: number, zeroMask: boolean): Promise<ChildProcess[]> {
  const children: ChildProcess[] = [];
  const joined: Promise<void>[] = [];
  for (let p = 0; p < processes; p++) {
    const child = fork(new URL('./_network-round-clients.ts', import.meta.url), [], { execArgv: ['--import', 'tsx'] });
    children.push(child);
    joined.push(
      new Promise((resolve, reject) => {
        child.once('message', (message: { ready?: number; error?: string }) => (message.ready === undefined ? reject(new Error(message.error)) : resolve()));
        child.once('exit', (code) => reject(new Error(`client process exited with ${code}`)));
      }),
    );
    child.send({ url, names: names.filter((_, i) => i % processes === p), zeroMask });
  }
  try {
    await Promise.all(joined);
  } catch (error) {
    for (const child of children) if (child.pid !== undefined) process.kill(child.pid);
    throw error;
  }
  return children;
}

const small = await scenario(10, 10, 20, 0);
const overhead = [...small.roundMs.slice(1)].sort((a, b) => a - b);
const big = await scenario(1000, 100_000, 1, CLIENT_PROCESSES);
const bigZeroMask = await scenario(1000, 100_000, 1, CLIENT_PROCESSES, true);
const rows = [
  { scenario: '10 clients, 10 params, round overhead (median of 19)', ms: overhead[Math.floor(overhead.length / 2)], targetMs: 50 },
  { scenario: `1,000 clients in ${CLIENT_PROCESSES} processes, 100,000 params, one round`, ms: big.roundMs[0], targetMs: 10_000 },
  { scenario: '1,000 clients, as above, zero masking keys (server skips JS unmasking of 400 MB)', ms: bigZeroMask.roundMs[0], targetMs: 10_000 },
  { scenario: '1,000 clients: all authenticated (join)', ms: big.joinMs, targetMs: null },
];
console.table(rows);
writeFileSync('bench/results/network-round.json', `${JSON.stringify(rows, null, 2)}\n`);
