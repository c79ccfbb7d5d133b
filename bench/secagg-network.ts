// One federated round over the network (127.0.0.1), SecAgg+ against plain FedAvg in the same run:
// n lightweight clients in CLIENT_PROCESSES child processes (no training; a fixed update),
// 100,000 parameters, 10 % of the secure clients closing their socket at the maskedInput stage
// (dropouts after key sharing, recovered). The plain round uses bench/_network-round-clients.ts
// (they echo the weights). Time = the server's round (fit requests → aggregated and recorded).
// Run: node --import tsx bench/secagg-network.ts
import { type ChildProcess, fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { FedAvg } from '../src/fl/strategies/fedavg.js';
import { FederationServer, type RoundRecord, networkSecureAggregation } from '../src/fl/server/index.js';
import { storedKeyOf } from '../src/fl/transport/auth.js';
import { openDatabase } from '../src/store/database.js';
import { FederationStateStore } from '../src/store/federation-state.js';
import { benchToken } from './_network-round-clients.js';
import { BENCH_EXAMPLES, secureBenchToken } from './_secagg-network-clients.js';

const PARAMETERS = 100_000;
const CLIENT_PROCESSES = 2;
const DROPOUT = 0.1;

interface Outcome {
  readonly roundMs: number;
  readonly cpuMs: number;
  readonly record: RoundRecord;
}

async function round(clients: number, secure: boolean): Promise<Outcome> {
  const db = openDatabase(':memory:');
  const store = new FederationStateStore(db);
  const names = Array.from({ length: clients }, (_, i) => `c${i}`);
  const drop = secure ? names.filter((_, i) => i % Math.round(1 / DROPOUT) === 3) : [];
  for (const name of names) store.addClient(name, storedKeyOf(secure ? secureBenchToken(name) : benchToken(name)));
  const server = await FederationServer.create({
    store,
    strategy: new FedAvg({ localEpochs: 1, batchSize: 1, optimizer: { kind: 'sgd', learningRate: 0.1 } }),
    rounds: 1,
    minClients: clients,
    roundDeadlineMs: 120_000,
    modelSpec: 'logreg',
    numFeatures: 1,
    classNames: ['a', 'b'],
    initialWeights: new Float32Array(PARAMETERS),
    seed: 1,
    ...(secure ? { secureAggregation: networkSecureAggregation({ maxClients: clients, weightCap: BENCH_EXAMPLES, updateRange: 1, stageDeadlineMs: 60_000 }) } : {}),
  });
  const { url } = await server.listen();
  const children = await startClients(secure ? './_secagg-network-clients.ts' : './_network-round-clients.ts', url, names, drop);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await server.run();
  const roundMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const record = store.roundMetrics(server.runId)[0]?.metrics as unknown as RoundRecord;
  for (const child of children) child.disconnect();
  await server.close();
  db.close();
  return { roundMs, cpuMs: (used.user + used.system) / 1000, record };
}

async function startClients(script: string, url: string, names: readonly string[], drop: readonly string[]): Promise<ChildProcess[]> {
  const children: ChildProcess[] = [];
  const joined: Promise<void>[] = [];
  for (let p = 0; p < CLIENT_PROCESSES; p++) {
    const child = fork(new URL(script, import.meta.url), [], { execArgv: ['--import', 'tsx'] });
    children.push(child);
    joined.push(
      new Promise((resolve, reject) => {
        child.once('message', (message: { ready?: number; error?: string }) => (message.ready === undefined ? reject(new Error(message.error)) : resolve()));
        child.once('exit', (code) => reject(new Error(`client process exited with ${code}`)));
      }),
    );
    const mine = names.filter((_, i) => i % CLIENT_PROCESSES === p);
    child.send({ url, names: mine, zeroMask: false, drop: drop.filter((name) => mine.includes(name)) });
  }
  try {
    await Promise.all(joined);
  } catch (error) {
    for (const child of children) if (child.pid !== undefined) process.kill(child.pid);
    throw error;
  }
  return children;
}

const rows = [];
for (const clients of [10, 50]) {
  const plain = await round(clients, false);
  const secure = await round(clients, true);
  const info = secure.record.secureAggregation;
  rows.push({
    clients,
    parameters: PARAMETERS,
    neighbours: info?.neighbours,
    threshold: info?.threshold,
    dropped: info?.dropped.length,
    plainRoundMs: Math.round(plain.roundMs),
    secureRoundMs: Math.round(secure.roundMs),
    overhead: Number((secure.roundMs / plain.roundMs).toFixed(2)),
    serverCpuMsPlain: Math.round(plain.cpuMs),
    serverCpuMsSecure: Math.round(secure.cpuMs),
    stageMs: info?.stageMs,
  });
}
console.table(rows);
writeFileSync('bench/results/secagg-network.json', `${JSON.stringify({ clientProcesses: CLIENT_PROCESSES, dropout: DROPOUT, rows }, null, 2)}\n`);
