/**
 * Encrypted prediction and encrypted aggregation costs.
 *  1. A 30-feature binary logreg at 2048-bit client keys: client encryption (CRT, the key
 *     holder's path), server evaluation (30 scalar products + sum + one re-randomisation) and
 *     client decryption, each timed; predictions/s end to end (in-process, no HTTP).
 *  2. One encrypted-aggregation round for 5 clients × 10,000 parameters: dealing the 2-of-3 key
 *     (once per federation), client encryption (fast mode, two worker threads), server sum,
 *     2 partial decryptions and the combination.
 * Run: node --import tsx bench/he-prediction.ts [--bits 2048]   (writes bench/results/he-prediction.json)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { FastObfuscator, encodeForPheutil, generateKeypair, startPaillierWorkers } from '../src/crypto/paillier/index.js';
import { SeededRandom } from '../src/crypto/random.js';
import { EncryptedSum, KeyHolder, dealFederationKey, decryptSum, encryptUpdate, planAggregation } from '../src/fl/encrypted-aggregation/index.js';
import { encryptedScores, linearScorer, plainScores, sigmoid } from '../src/fl/he-prediction/index.js';

const bitsArg = process.argv.indexOf('--bits');
const BITS = bitsArg > 0 ? Number(process.argv[bitsArg + 1]) : 2048;
const FEATURES = 30;
const PREDICTIONS = 10;
const CLIENTS = 5;
const PARAMETERS = 10_000;

const rng = new SeededRandom(1);
const now = () => performance.now();

// 1. Prediction.
const weights = Float32Array.from({ length: FEATURES * 2 + 2 }, () => rng.uniform() * 2 - 1);
const scorer = linearScorer(weights, FEATURES, 2, { standardizer: { mean: new Array(FEATURES).fill(0), scale: new Array(FEATURES).fill(1) }, classNames: ['0', '1'] });
const { publicKey, privateKey } = generateKeypair({ bits: BITS });
const crt = privateKey.crtObfuscator();
let encryptMs = 0;
let evaluateMs = 0;
let decryptMs = 0;
let worstError = 0;
for (let p = 0; p < PREDICTIONS; p++) {
  const row = Array.from({ length: FEATURES }, () => rng.uniform() * 4 - 2);
  let t = now();
  const features = row.map((z) => publicKey.encryptEncoded(encodeForPheutil(publicKey, z), { obfuscator: crt }));
  encryptMs += now() - t;
  t = now();
  const [score] = encryptedScores(scorer, publicKey, features);
  evaluateMs += now() - t;
  t = now();
  const probability = sigmoid(Number(privateKey.decrypt(score!)));
  decryptMs += now() - t;
  worstError = Math.max(worstError, Math.abs(probability - sigmoid(plainScores(scorer, row)[0]!)));
}
const prediction = {
  keyBits: BITS,
  features: FEATURES,
  predictions: PREDICTIONS,
  clientEncryptMs: encryptMs / PREDICTIONS,
  serverEvaluateMs: evaluateMs / PREDICTIONS,
  clientDecryptMs: decryptMs / PREDICTIONS,
  predictionsPerSecond: (1000 * PREDICTIONS) / (encryptMs + evaluateMs + decryptMs),
  worstProbabilityError: worstError,
};

// 2. Aggregation round.
let t = now();
const dealt = dealFederationKey({ bits: BITS, parties: 3, threshold: 2 });
const dealMs = now() - t;
const plan = planAggregation(dealt.parameters.publicKey, { updateRange: 1, maxClients: CLIENTS, maxExamplesPerClient: 1000 });
const fast = new FastObfuscator(plan.scheme.publicKey.n);
const workers = await startPaillierWorkers(plan.scheme.publicKey, { workers: 2, mode: 'fast', generator: fast.generator });
const global = new Float32Array(PARAMETERS);
const updates = [];
t = now();
for (let k = 0; k < CLIENTS; k++) {
  const local = Float32Array.from(global, () => (rng.uniform() * 2 - 1) * 0.1);
  updates.push(await encryptUpdate(plan, global, local, 100 + k, { workers, parallelFrom: 1 }));
}
const encryptAllMs = now() - t;
await workers.close();
t = now();
const sum = new EncryptedSum(plan.scheme, PARAMETERS);
for (const update of updates) sum.add(update);
const request = sum.request(1);
const sumMs = now() - t;
const holders = dealt.shares.map((share) => new KeyHolder(share, plan.scheme));
t = now();
const partials = await Promise.all(holders.slice(0, 2).map((holder) => holder.partialDecryptSum(request)));
const partialMs = (now() - t) / 2;
t = now();
await decryptSum(dealt.parameters, plan.scheme, { ...request, round: 2 }, [
  { index: partials[0]!.index, partialDecryptSum: async () => partials[0]! },
  { index: partials[1]!.index, partialDecryptSum: async () => partials[1]! },
]);
const combineMs = now() - t;
const aggregation = {
  keyBits: BITS,
  clients: CLIENTS,
  parameters: PARAMETERS,
  ciphertextsPerUpdate: plan.scheme.ciphertextsFor(PARAMETERS),
  slotsPerCiphertext: plan.scheme.slotsPerCiphertext,
  fractionalBits: plan.scheme.fractionalBits,
  quantizationBound: plan.quantizationBound,
  uploadBytesPerClient: updates[0]!.ciphertexts.length,
  uploadVsFloat32: updates[0]!.ciphertexts.length / (4 * PARAMETERS),
  dealKeyMs: dealMs,
  clientEncryptMs: encryptAllMs / CLIENTS,
  serverSumMs: sumMs,
  partialDecryptMsPerKeyHolder: partialMs,
  combineAndUnpackMs: combineMs,
  roundMsExcludingDealing: encryptAllMs / CLIENTS + sumMs + partialMs + combineMs,
};

const rows: [string, string][] = [
  ['prediction: client encrypt (30 features)', `${prediction.clientEncryptMs.toFixed(1)} ms`],
  ['prediction: server evaluate', `${prediction.serverEvaluateMs.toFixed(1)} ms`],
  ['prediction: client decrypt', `${prediction.clientDecryptMs.toFixed(1)} ms`],
  ['predictions/s (end to end, no HTTP)', prediction.predictionsPerSecond.toFixed(2)],
  ['worst |p − plaintext p|', prediction.worstProbabilityError.toExponential(2)],
  ['aggregation: deal 2-of-3 key (once)', `${(dealMs / 1000).toFixed(1)} s`],
  [`aggregation: encrypt ${PARAMETERS} params / client (2 workers, fast)`, `${(aggregation.clientEncryptMs / 1000).toFixed(2)} s`],
  ['aggregation: upload / float32 size', aggregation.uploadVsFloat32.toFixed(2)],
  [`aggregation: server sum of ${CLIENTS}`, `${sumMs.toFixed(0)} ms`],
  ['aggregation: partial decryption / key holder', `${(partialMs / 1000).toFixed(2)} s`],
  ['aggregation: combine + unpack', `${(combineMs / 1000).toFixed(2)} s`],
  ['aggregation: round (client + server + key holders in parallel)', `${(aggregation.roundMsExcludingDealing / 1000).toFixed(2)} s`],
];
const width = Math.max(...rows.map(([name]) => name.length));
process.stdout.write(`he-prediction bench, ${BITS}-bit keys\n`);
for (const [name, value] of rows) process.stdout.write(`${name.padEnd(width)}  ${value}\n`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/he-prediction.json', `${JSON.stringify({ prediction, aggregation }, null, 2)}\n`);
