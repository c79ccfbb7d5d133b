// The SecAgg+ state machines alone (src/secagg), one thread, no transport and no FL encoding:
// n clients with random 100,000-word inputs, default k and t, 10 % of the clients dropping after
// key sharing (silent at maskedInput). Clients run one after another, so the client columns are
// the summed work of all clients; the server columns are the server's own stage work
// (receive + advance). Side by side in the same run: the plain mod-2^32 sum of the same
// survivors' inputs. bench/secagg-round.ts measures the whole FL round with worker threads.
// Run: node --import tsx bench/secagg-protocol.ts   (BENCH_LARGE=1 adds n = 1,000, ~2 minutes)
import { mkdirSync, writeFileSync } from 'node:fs';
import { secureRandom } from '../src/crypto/random.js';
import {
  SecAggClientRound,
  SecAggServerRound,
  type SecAggClientMessage,
  type SecAggStage,
  defaultNeighbours,
  defaultThreshold,
} from '../src/secagg/index.js';

const PARAMETERS = Number(process.env['BENCH_PARAMETERS'] ?? 100_000);
const STAGES: readonly SecAggStage[] = ['setup', 'shareKeys', 'maskedInput', 'unmask'];

interface Row {
  readonly clients: number;
  readonly neighbours: number;
  readonly threshold: number;
  readonly dropped: number;
  readonly clientMs: Record<SecAggStage, number>;
  readonly serverMs: Record<SecAggStage, number>;
  readonly serverCpuMs: number;
  readonly perClientMs: number;
  readonly plainSumMs: number;
  readonly exact: boolean;
}

async function scenario(n: number): Promise<Row> {
  const rng = secureRandom();
  const k = defaultNeighbours(n);
  const t = defaultThreshold(n, k);
  const sessionId = new Uint8Array(32);
  rng.fillBytes(sessionId);
  const ids = Array.from({ length: n }, (_, i) => `c${i}`);
  const server = new SecAggServerRound({ round: 1, sessionId, clientIds: ids, threshold: t, neighbours: k, vectorLength: PARAMETERS });
  const clients = ids.map((id) => new SecAggClientRound(id));
  const inputs = clients.map((client) => {
    const x = new Uint32Array(PARAMETERS);
    rng.fillBytes(new Uint8Array(x.buffer));
    client.setInput(x);
    return x;
  });
  const dropped = new Set<string>();
  while (dropped.size < Math.round(0.1 * n)) dropped.add(ids[rng.uniformInt(n)] as string);
  const clientMs = {} as Record<SecAggStage, number>;
  const serverMs = {} as Record<SecAggStage, number>;
  let serverCpu = 0;
  for (const stage of STAGES) {
    const started = performance.now();
    const replies: [string, SecAggClientMessage][] = [];
    for (const [id, request] of server.requests()) {
      if (stage === 'maskedInput' && dropped.has(id)) continue;
      replies.push([id, await (clients[ids.indexOf(id)] as SecAggClientRound).handle(request)]);
    }
    clientMs[stage] = performance.now() - started;
    const serverStarted = performance.now();
    const cpu = process.cpuUsage();
    for (const [id, reply] of replies) server.receive(id, reply);
    await server.advance();
    const used = process.cpuUsage(cpu);
    serverCpu += (used.user + used.system) / 1000;
    serverMs[stage] = performance.now() - serverStarted;
  }
  const result = server.result();
  const plainStarted = performance.now();
  const plain = new Uint32Array(PARAMETERS);
  for (const id of result.survivors) {
    const x = inputs[ids.indexOf(id)] as Uint32Array;
    for (let i = 0; i < PARAMETERS; i++) plain[i] = (plain[i] as number) + (x[i] as number);
  }
  const plainSumMs = performance.now() - plainStarted;
  const exact = plain.every((v, i) => v === result.sum[i]);
  const clientTotal = STAGES.reduce((s, stage) => s + clientMs[stage], 0);
  return { clients: n, neighbours: k, threshold: t, dropped: dropped.size, clientMs, serverMs, serverCpuMs: serverCpu, perClientMs: clientTotal / n, plainSumMs, exact };
}

const sizes = process.env['BENCH_LARGE'] === '1' ? [100, 1000] : [100];
const rows: Row[] = [];
for (const n of sizes) rows.push(await scenario(n));
const ms = (x: number): number => Math.round(x);
console.table(
  rows.map((r) => ({
    'n × words': `${r.clients} × ${PARAMETERS.toLocaleString('en')}`,
    'k / t': `${r.neighbours} / ${r.threshold}`,
    dropped: r.dropped,
    'clients setup/shareKeys/maskedInput/unmask ms': STAGES.map((s) => ms(r.clientMs[s])).join(' / '),
    'per client ms': ms(r.perClientMs),
    'server setup/shareKeys/maskedInput/unmask ms': STAGES.map((s) => ms(r.serverMs[s])).join(' / '),
    'server CPU ms': ms(r.serverCpuMs),
    'plain sum ms': ms(r.plainSumMs),
    exact: r.exact,
  })),
);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/secagg-protocol.json', `${JSON.stringify({ parameters: PARAMETERS, rows }, null, 2)}\n`);
