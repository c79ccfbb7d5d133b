// FedAvg aggregation throughput: 100 updates × 1,000,000 float32 (400 MB of update data).
// Target (issue 5): ≥ 1 GB/s. Run: node --import tsx bench/network-aggregation.ts
import { writeFileSync } from 'node:fs';
import { FedAvg } from '../src/fl/strategies/fedavg.js';

const clients = 100;
const length = 1_000_000;
const updates = Array.from({ length: clients }, (_, k) => new Float32Array(length).fill(k / clients));
const strategy = new FedAvg({ localEpochs: 1, batchSize: 1, optimizer: { kind: 'sgd', learningRate: 0.1 } });
const results = updates.map((weights, k) => ({ clientId: `c${k}`, weights, numExamples: 1 + (k % 7), metrics: { trainLoss: 1 } }));
const times: number[] = [];
for (let run = 0; run < 4; run++) {
  const started = performance.now();
  strategy.aggregateFit({ round: 1, globalWeights: new Float32Array(length), results, failures: [] });
  times.push(performance.now() - started);
}
const best = Math.min(...times.slice(1));
const bytes = clients * length * 4;
const row = { clients, parameters: length, bestMs: best, gbPerS: bytes / (best / 1000) / 1e9, target: 1 };
console.table([row]);
writeFileSync('bench/results/network-aggregation.json', `${JSON.stringify(row, null, 2)}\n`);
