// A full SecAgg+ round in simulation (issue 6): n synthetic clients whose fit returns a random
// update (no training), P parameters, 10 % of the clients dropping after key sharing (at the
// maskedInput stage), through the in-process peers (every message encoded and decoded), with the
// clients' protocol work on 2 worker threads and the server in the main thread. Side by
// side in the same run: plain aggregation, FedAvg's weighted mean of the same survivors' updates.
// Targets (2 cores): n = 100 × 100,000 params ≤ 3 s; n = 1,000 × 100,000 ≤ 30 s.
// Run: node --import tsx bench/secagg-round.ts   (BENCH_LARGE=0 skips n = 1,000)
import { writeFileSync } from 'node:fs';
import { SeededRandom } from '../src/crypto/random.js';
import { setUpSecureAggregationSimulation } from '../src/fl/secure-aggregation/index.js';
import { FedAvg } from '../src/fl/strategies/fedavg.js';
import type { FitOutcome } from '../src/fl/strategy.js';
import type { FederatedClient } from '../src/fl/types.js';

const PARAMETERS = 100_000;
const DROPOUT = 0.1;
/** Threads hosting the clients' SecAgg+ work, as `cohort simulate --workers 2` uses (the server runs in the main thread). */
const CLIENT_THREADS = Number(process.env.BENCH_CLIENT_THREADS ?? 2);
const fedAvgOptions = { localEpochs: 1, batchSize: 1, optimizer: { kind: 'sgd', learningRate: 0.1 } } as const;

interface Row {
  readonly clients: number;
  readonly parameters: number;
  readonly neighbours: number;
  readonly threshold: number;
  readonly dropped: number;
  readonly secureSeconds: number;
  /** CPU time of the whole process (all threads) during the SecAgg+ round: on a busy machine the wall time overstates it. */
  readonly secureCpuSeconds: number;
  readonly encodeSeconds: number;
  readonly setupSeconds: number;
  readonly shareKeysSeconds: number;
  readonly maskedInputSeconds: number;
  readonly unmaskSeconds: number;
  readonly plainSeconds: number;
  readonly overhead: number;
  readonly largestError: number;
  readonly rssMiB: number;
  readonly targetSeconds: number;
}

async function scenario(n: number, parameters: number, targetSeconds: number): Promise<Row> {
  const data = new SeededRandom(n);
  const globalWeights = new Float32Array(parameters);
  const sizes = Array.from({ length: n }, () => 50 + data.uniformInt(100));
  const trained = sizes.map(() => {
    const w = new Float32Array(parameters);
    for (let i = 0; i < parameters; i++) w[i] = (data.uniform() - 0.5) * 0.2;
    return w;
  });
  const ids = sizes.map((_, k) => `c${k}`);
  const clients: FederatedClient[] = ids.map((id, k) => ({
    id,
    numExamples: sizes[k] as number,
    fit: async () => ({ weights: (trained[k] as Float32Array).slice(), numExamples: sizes[k] as number, metrics: { trainLoss: 0 } }),
  }));
  const droppedIds = new Set<string>();
  while (droppedIds.size < Math.round(DROPOUT * n)) droppedIds.add(ids[data.uniformInt(n)] as string);
  // The protocol's keys, masks and rounding use the CSPRNG, as in production.
  const setup = await setUpSecureAggregationSimulation({
    settings: {},
    strategy: new FedAvg(fedAvgOptions),
    clients,
    dropout: (event) => event.stage === 'maskedInput' && droppedIds.has(event.clientId),
    stageDeadlineMs: 600_000,
    clientThreads: CLIENT_THREADS,
  });

  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  const instructions = await setup.strategy.configureFit({ round: 1, globalWeights, clients: clients.map((c) => ({ id: c.id, numExamples: c.numExamples as number })), rng: new SeededRandom(2) });
  const byId = new Map(setup.clients.map((client) => [client.id, client]));
  const results: FitOutcome[] = await Promise.all(
    instructions.map(async (instruction) => ({ clientId: instruction.clientId, ...(await byId.get(instruction.clientId)!.fit(instruction.weights, instruction.config)) })),
  );
  const encoded = performance.now();
  const secure = await setup.strategy.aggregateFit({ round: 1, globalWeights, results, failures: [] });
  const finished = performance.now();
  const cpu = process.cpuUsage(cpuStarted);
  await setup.close();

  // Plain aggregation of the same survivors' updates: FedAvg's weighted mean.
  const survivors = ids.map((id, k) => ({ id, k })).filter(({ id }) => !droppedIds.has(id));
  const plainStarted = performance.now();
  const plain = new FedAvg(fedAvgOptions).aggregateFit({
    round: 1,
    globalWeights,
    results: survivors.map(({ id, k }) => ({ clientId: id, weights: trained[k] as Float32Array, numExamples: sizes[k] as number, metrics: { trainLoss: 0 } })),
    failures: [],
  });
  const plainSeconds = (performance.now() - plainStarted) / 1000;

  let largestError = 0;
  for (let i = 0; i < parameters; i++) largestError = Math.max(largestError, Math.abs((secure.weights[i] as number) - (plain.weights[i] as number)));
  const record = setup.strategy.rounds[0]!;
  if (record.dropped.length !== droppedIds.size) throw new Error(`expected ${droppedIds.size} dropouts, the round recorded ${record.dropped.length}`);
  const secureSeconds = (finished - started) / 1000;
  const stage = (name: keyof typeof record.stageMs) => (record.stageMs[name] ?? 0) / 1000;
  return {
    clients: n,
    parameters,
    neighbours: record.neighbours,
    threshold: record.threshold,
    dropped: record.dropped.length,
    secureSeconds,
    secureCpuSeconds: (cpu.user + cpu.system) / 1e6,
    encodeSeconds: (encoded - started) / 1000,
    setupSeconds: stage('setup'),
    shareKeysSeconds: stage('shareKeys'),
    maskedInputSeconds: stage('maskedInput'),
    unmaskSeconds: stage('unmask'),
    plainSeconds,
    overhead: secureSeconds / plainSeconds,
    largestError,
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    targetSeconds,
  };
}

const rows: Row[] = process.env.BENCH_ONLY_N ? [await scenario(Number(process.env.BENCH_ONLY_N), PARAMETERS, 0)] : [await scenario(100, PARAMETERS, 3)];
if (process.env.BENCH_LARGE !== '0' && !process.env.BENCH_ONLY_N) rows.push(await scenario(1000, PARAMETERS, 30));
const round = (x: number, digits = 3) => Number(x.toPrecision(digits));
console.table(
  rows.map((row) => ({
    'n × params': `${row.clients} × ${row.parameters.toLocaleString('en')}`,
    'k / t': `${row.neighbours} / ${row.threshold}`,
    dropped: row.dropped,
    'SecAgg+ round s': round(row.secureSeconds),
    'CPU s': round(row.secureCpuSeconds),
    'encode s': round(row.encodeSeconds),
    'setup s': round(row.setupSeconds),
    'shareKeys s': round(row.shareKeysSeconds),
    'maskedInput s': round(row.maskedInputSeconds),
    'unmask s': round(row.unmaskSeconds),
    'plain mean s': round(row.plainSeconds),
    overhead: `${round(row.overhead)}×`,
    'max |Δw|': row.largestError.toExponential(2),
    'target s': row.targetSeconds,
  })),
);
writeFileSync('bench/results/secagg-round.json', `${JSON.stringify(rows, null, 2)}\n`);
