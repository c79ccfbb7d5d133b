/**
 * ElGamal over ristretto255 (issue 7 item 6): encryptions/s, homomorphic additions/s, and
 * exponential-ElGamal decryptions by baby-step giant-step for a bound of 10^6.
 *
 *   node --import tsx bench/elgamal.ts [--seconds S]
 *
 * Randomness comes from the platform CSPRNG, as in production. Each operation runs for S seconds
 * (default 2) and reports operations/s by wall clock and by this process's CPU time (the steadier
 * figure on a shared machine). Writes bench/results/elgamal.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { SecureRandom } from '../src/crypto/random.js';
import {
  clearDiscreteLogTables,
  elGamalDecryptElement,
  elGamalEncryptElement,
  elGamalRerandomize,
  exponentialElGamalAdd,
  exponentialElGamalDecrypt,
  exponentialElGamalEncrypt,
  generateElGamalKeyPair,
  parseElGamalCiphertext,
  randomRistretto255Element,
  serializeElGamalCiphertext,
  type ElGamalCiphertext,
} from '../src/crypto/elgamal/index.js';

interface Row {
  readonly operation: string;
  readonly operations: number;
  readonly perSecondWall: number;
  readonly perSecondCpu: number;
  readonly note: string;
}

const secondsFlag = process.argv.indexOf('--seconds');
const seconds = secondsFlag >= 0 ? Number(process.argv[secondsFlag + 1]) : 2;
if (!(seconds > 0)) throw new Error(`--seconds must be a positive number (got ${process.argv[secondsFlag + 1]})`);

const rng = new SecureRandom();
const { publicKey, privateKey } = generateElGamalKeyPair(rng);
const BOUND = 1_000_000;
const rows: Row[] = [];

/** Runs `operation(i)` repeatedly for `seconds` and records its rate. */
function measure(name: string, operation: (i: number) => void, note = ''): void {
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  let count = 0;
  while (performance.now() - wallStart < seconds * 1000) {
    operation(count);
    count++;
  }
  const wall = (performance.now() - wallStart) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  rows.push({ operation: name, operations: count, perSecondWall: count / wall, perSecondCpu: count / cpuSeconds, note });
}

// Warm up the JIT and the key's fixed-base table (built after 32 encryptions with one key).
for (let i = 0; i < 64; i++) exponentialElGamalEncrypt(publicKey, i, rng);

measure('key generation', () => generateElGamalKeyPair(rng));
const message = randomRistretto255Element(rng);
measure('encrypt (group element)', () => elGamalEncryptElement(publicKey, message, rng), 'r·B and r·h, fixed-base tables');
measure('encrypt (exponential, m < 10^6)', (i) => exponentialElGamalEncrypt(publicKey, i % BOUND, rng), 'adds m·B');

const pool: ElGamalCiphertext[] = Array.from({ length: 256 }, (_, i) => exponentialElGamalEncrypt(publicKey, i, rng));
let sum = pool[0] as ElGamalCiphertext;
measure('homomorphic add', (i) => {
  sum = exponentialElGamalAdd(sum, pool[i % pool.length] as ElGamalCiphertext);
}, 'two point additions');
measure('re-randomise', (i) => elGamalRerandomize(publicKey, pool[i % pool.length] as ElGamalCiphertext, rng));
measure('decrypt to element', (i) => elGamalDecryptElement(privateKey, pool[i % pool.length] as ElGamalCiphertext), 'c2 − x·c1');
measure('serialise + parse ciphertext', (i) => parseElGamalCiphertext(serializeElGamalCiphertext(pool[i % pool.length] as ElGamalCiphertext)), 'RFC 9496 encode/decode ×2');

// BSGS: values uniform in [0, 10^6), so the giant steps searched are uniform too.
const randomCounts = Array.from({ length: 512 }, () => exponentialElGamalEncrypt(publicKey, rng.uniformInt(BOUND), rng));
clearDiscreteLogTables();
const buildStart = performance.now();
exponentialElGamalDecrypt(privateKey, randomCounts[0] as ElGamalCiphertext, { bound: BOUND });
const firstDecryptMs = performance.now() - buildStart;
measure('BSGS decrypt, bound 10^6', (i) => {
  exponentialElGamalDecrypt(privateKey, randomCounts[i % randomCounts.length] as ElGamalCiphertext, { bound: BOUND });
}, `table 1000 entries; first call (with table build) ${firstDecryptMs.toFixed(0)} ms`);
measure('BSGS decrypt, (−10^6, 10^6)', (i) => {
  exponentialElGamalDecrypt(privateKey, randomCounts[i % randomCounts.length] as ElGamalCiphertext, { bound: BOUND, allowNegative: true });
}, 'same table, twice the range');
const bigTableStart = performance.now();
exponentialElGamalDecrypt(privateKey, randomCounts[0] as ElGamalCiphertext, { bound: BOUND, tableSize: 16384 });
const bigTableMs = performance.now() - bigTableStart;
measure('BSGS decrypt, bound 10^6, table 2^14', (i) => {
  exponentialElGamalDecrypt(privateKey, randomCounts[i % randomCounts.length] as ElGamalCiphertext, { bound: BOUND, tableSize: 16384 });
}, `larger table, ≤ 31 giant steps; build ${bigTableMs.toFixed(0)} ms`);

const format = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const header = ['operation', 'ops/s (wall)', 'ops/s (cpu)', 'n', 'note'];
const table = rows.map((r) => [r.operation, format(r.perSecondWall), format(r.perSecondCpu), String(r.operations), r.note]);
const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => (row[c] as string).length)));
const line = (cells: string[]): string => cells.map((cell, c) => (c === 0 || c === 4 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  ');
process.stdout.write(`ElGamal over ristretto255 (@noble/curves), ${seconds} s per operation, node ${process.version}\n`);
process.stdout.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
for (const row of table) process.stdout.write(`${line(row)}\n`);

mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('results/elgamal.json', import.meta.url),
  `${JSON.stringify({ benchmark: 'elgamal', node: process.version, secondsPerOperation: seconds, date: new Date().toISOString(), rows }, null, 2)}\n`,
);
process.stdout.write('wrote bench/results/elgamal.json\n');
