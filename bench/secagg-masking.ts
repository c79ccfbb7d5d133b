/**
 * Secure aggregation (issue 6): what masking costs a client, side by side in one run with a peer.
 *   - Cohort: `addSeedMask` — AES-128-CTR keystream (WebCrypto) added into the update mod 2^32,
 *     per 1,000,000 parameters per neighbour. Target ≤ 5 ms.
 *   - Peer: Flower's SecAgg+ mask expansion (flwr.common.secure_aggregation.secaggplus_utils.
 *     pseudo_rand_gen), re-implemented here: the seed XOR-folded to 32 bits, numpy's legacy
 *     RandomState — MT19937 (Matsumoto & Nishimura, ACM TOMACS 8(1), 1998) seeded by init_genrand —
 *     drawing randint(0, 2^32 − 1) by masked rejection, then added mod 2^32 with the same loop as
 *     ours. It is only a speed peer: a 32-bit seed can be brute-forced and MT19937 is not a
 *     cryptographic generator (its state follows from 624 outputs).
 *   - X25519 agreements/s (one at a time and 64 in flight), AES-CTR keystream GB/s, and the
 *     per-neighbour share work (Shamir split of a 32-byte secret, AES-GCM seal).
 * Run: node --import tsx bench/secagg-masking.ts [--parameters N] [--reps R] [--seconds S]
 * Writes bench/results/secagg-masking.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { aesGcmSeal } from '../src/crypto/aes-gcm.js';
import { addSeedMask, expandSeed } from '../src/crypto/prg.js';
import { secureRandom } from '../src/crypto/random.js';
import { encodeShamirShare, shamirCombineBytes, shamirSplitBytes } from '../src/crypto/shamir.js';
import { generateX25519KeyPair, x25519SharedSecret } from '../src/crypto/x25519.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!(value > 0) || !Number.isFinite(value)) throw new Error(`--${name} must be a positive number (got ${JSON.stringify(process.argv[i + 1])})`);
  return value;
}

const PARAMETERS = Math.round(flag('parameters', 1_000_000));
const REPS = Math.round(flag('reps', 40));
const SECONDS = flag('seconds', 2);
const TARGET_MS = 5;
const rng = secureRandom();
const log = (line: string): void => void process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------- the peer: MT19937, as numpy
const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER = 0x80000000;
const LOWER = 0x7fffffff;

/**
 * MT19937 (Matsumoto & Nishimura 1998): init_genrand seeding, block twist, tempering. Outputs are
 * produced a whole 624-word block at a time into a buffer, the fastest shape for JavaScript.
 */
class Mt19937 {
  private readonly mt = new Uint32Array(N);
  private readonly block = new Uint32Array(N);
  private index = N;

  constructor(seed: number) {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] as number;
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
  }

  /** Twists the state and writes the 624 tempered outputs into `block`. */
  private refill(): void {
    const mt = this.mt;
    let kk = 0;
    for (; kk < N - M; kk++) {
      const y = ((mt[kk] as number) & UPPER) | ((mt[kk + 1] as number) & LOWER);
      mt[kk] = (mt[kk + M] as number) ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    for (; kk < N - 1; kk++) {
      const y = ((mt[kk] as number) & UPPER) | ((mt[kk + 1] as number) & LOWER);
      mt[kk] = (mt[kk + M - N] as number) ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    const y = ((mt[N - 1] as number) & UPPER) | ((mt[0] as number) & LOWER);
    mt[N - 1] = (mt[M - 1] as number) ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    const block = this.block;
    for (let i = 0; i < N; i++) {
      let t = mt[i] as number;
      t ^= t >>> 11;
      t ^= (t << 7) & 0x9d2c5680;
      t ^= (t << 15) & 0xefc60000;
      t ^= t >>> 18;
      block[i] = t;
    }
    this.index = 0;
  }

  next(): number {
    if (this.index >= N) this.refill();
    return this.block[this.index++] as number;
  }

  /**
   * Fills `out` with outputs ≤ `limit` (numpy's masked rejection with mask 2^32 − 1: a larger
   * output is discarded and the next one taken).
   */
  fillBelowOrEqual(out: Uint32Array, limit: number): void {
    let o = 0;
    while (o < out.length) {
      if (this.index >= N) this.refill();
      const block = this.block;
      const end = Math.min(N, this.index + (out.length - o));
      let i = this.index;
      for (; i < end; i++) {
        const v = block[i] as number;
        if (v > limit) break;
        out[o++] = v;
      }
      this.index = i < end ? i + 1 : i; // skip a rejected output
    }
  }
}

/** Flower's pseudo_rand_gen: XOR-fold the seed into 32 bits (little-endian words). */
function flowerSeed32(seed: Uint8Array): number {
  const view = new DataView(seed.buffer, seed.byteOffset, seed.byteLength);
  let s = 0;
  for (let i = 0; i < seed.length; i += 4) s ^= view.getUint32(i, true);
  return s >>> 0;
}

/** target += sign·mask mod 2^32 with Flower's masks: randint(0, 2^32 − 1), numpy's masked rejection. */
function flowerAddMask(target: Uint32Array, seed: Uint8Array, sign: 1 | -1, scratch: Uint32Array): void {
  const gen = new Mt19937(flowerSeed32(seed));
  const words = scratch.subarray(0, target.length);
  gen.fillBelowOrEqual(words, 0xfffffffd); // randint(0, 2^32 − 1): values ≤ high − low − 1
  addWords(target, words, sign);
}

/** The same mod-2^32 add loop as src/crypto/prg.ts, so the comparison is about the generator. */
function addWords(target: Uint32Array, words: Uint32Array, sign: 1 | -1): void {
  const t = new Int32Array(target.buffer, target.byteOffset, target.length);
  const w = new Int32Array(words.buffer, words.byteOffset, words.length);
  if (sign === 1) for (let i = 0; i < t.length; i++) t[i] = ((t[i] as number) + (w[i] as number)) | 0;
  else for (let i = 0; i < t.length; i++) t[i] = ((t[i] as number) - (w[i] as number)) | 0;
}

// Self-check of the MT19937: the 1st and 10,000th outputs for seed 5489 (C++11 [rand.predef]).
{
  const g = new Mt19937(5489);
  const first = g.next();
  let last = first;
  for (let i = 1; i < 10000; i++) last = g.next();
  if (first !== 3499211612 || last !== 4123659995) throw new Error(`MT19937 self-check failed: ${first}, ${last}`);
  // the bulk rejection path equals output-by-output rejection
  const bulk = new Uint32Array(5000);
  new Mt19937(7).fillBelowOrEqual(bulk, 0x7fffffff);
  const one = new Mt19937(7);
  for (let i = 0; i < bulk.length; i++) {
    let v = one.next();
    while (v > 0x7fffffff) v = one.next();
    if (bulk[i] !== v) throw new Error(`MT19937 bulk rejection self-check failed at ${i}`);
  }
}

// ---------------------------------------------------------------- masking, interleaved
function stats(samples: number[]): { median: number; p10: number; p90: number; min: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
  return { median: at(0.5), p10: at(0.1), p90: at(0.9), min: s[0] as number, mean: s.reduce((a, b) => a + b, 0) / s.length };
}

const target = new Uint32Array(PARAMETERS);
rng.fillBytes(new Uint8Array(target.buffer));
const original = new Uint32Array(target);
const scratch = new Uint32Array(PARAMETERS);
const seeds = Array.from({ length: 8 }, () => {
  const s = new Uint8Array(32);
  rng.fillBytes(s);
  return s;
});

// Warm-up (JIT, WebCrypto thread pool), and a correctness check of both paths.
for (let i = 0; i < 5; i++) {
  await addSeedMask(target, seeds[0]!, 1);
  await addSeedMask(target, seeds[0]!, -1);
  flowerAddMask(target, seeds[0]!, 1, scratch);
  flowerAddMask(target, seeds[0]!, -1, scratch);
}
if (!Buffer.from(target.buffer).equals(Buffer.from(original.buffer))) throw new Error('mask + unmask did not return the input');

/** Wall and CPU milliseconds of one call (CPU includes WebCrypto's worker threads: process-wide). */
async function timeOnce(operation: () => unknown): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await operation();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

const samples = { ours: [] as { wall: number; cpu: number }[], peer: [] as { wall: number; cpu: number }[], expand: [] as { wall: number; cpu: number }[] };
for (let r = 0; r < REPS; r++) {
  const seed = seeds[r % seeds.length]!;
  samples.ours.push(await timeOnce(() => addSeedMask(target, seed, 1)));
  samples.peer.push(await timeOnce(() => flowerAddMask(target, seed, 1, scratch)));
  samples.expand.push(await timeOnce(() => expandSeed(seed, PARAMETERS)));
}
const scale = 1_000_000 / PARAMETERS; // report per 1,000,000 parameters
const oursStats = stats(samples.ours.map((x) => x.wall * scale));
const peerStats = stats(samples.peer.map((x) => x.wall * scale));
const expandStats = stats(samples.expand.map((x) => x.wall * scale));
const oursCpu = stats(samples.ours.map((x) => x.cpu * scale));
const peerCpu = stats(samples.peer.map((x) => x.cpu * scale));

// ---------------------------------------------------------------- rates
async function rate(operation: () => Promise<unknown>, seconds = SECONDS): Promise<{ perSecond: number; operations: number }> {
  for (let i = 0; i < 16; i++) await operation();
  const start = performance.now();
  let operations = 0;
  while (performance.now() - start < seconds * 1000) {
    await operation();
    operations++;
  }
  return { perSecond: operations / ((performance.now() - start) / 1000), operations };
}

const alice = await generateX25519KeyPair();
const bob = await generateX25519KeyPair();
const x25519Sequential = await rate(() => x25519SharedSecret(alice.privateKey, bob.publicKey));
const BATCH = 64;
const x25519Batch = await rate(() => Promise.all(Array.from({ length: BATCH }, () => x25519SharedSecret(alice.privateKey, bob.publicKey))));
const keyGeneration = await rate(() => generateX25519KeyPair());

// Raw WebCrypto AES-128-CTR throughput, in the shape prg.ts uses: 1 MiB calls, 4 in flight.
const subtle = globalThis.crypto.subtle;
const ctrKey = await subtle.importKey('raw', seeds[2]!.slice(0, 16), 'AES-CTR', false, ['encrypt']);
const MIB = 1 << 20;
const zeroMiB = new Uint8Array(MIB);
const CTR_CALLS = 16;
const ctr = await rate(async () => {
  let launched = 0;
  const running: Promise<ArrayBuffer>[] = [];
  const launch = (): Promise<ArrayBuffer> => {
    const counter = new Uint8Array(16);
    new DataView(counter.buffer).setUint32(12, (launched++ * MIB) / 16);
    return subtle.encrypt({ name: 'AES-CTR', counter, length: 64 }, ctrKey, zeroMiB);
  };
  while (launched < 4) running.push(launch());
  while (running.length > 0) {
    await running.shift();
    if (launched < CTR_CALLS) running.push(launch());
  }
});
const ctrGBps = (ctr.perSecond * CTR_CALLS * MIB) / 1e9;
const zeros = new Uint8Array(4 * PARAMETERS);
const rawCtr = await rate(() => subtle.encrypt({ name: 'AES-CTR', counter: new Uint8Array(16), length: 64 }, ctrKey, zeros));
const rawCtrMs = (1000 / rawCtr.perSecond) * scale;

const NEIGHBOURS = 20;
const THRESHOLD = 11;
const xs = Array.from({ length: NEIGHBOURS }, (_, i) => i + 1);
const secret = seeds[3]!;
const split = await rate(async () => shamirSplitBytes(secret, THRESHOLD, xs));
const shares = shamirSplitBytes(secret, THRESHOLD, xs);
const combine = await rate(async () => shamirCombineBytes(shares.slice(0, THRESHOLD), THRESHOLD, 32));
const gcmKey = seeds[4]!;
const sharePlaintext = new Uint8Array(2 * 35 + 16); // two encoded shares and ids, about what a SecAgg share message holds
sharePlaintext.set(encodeShamirShare(shares[0]!));
const seal = await rate(() => aesGcmSeal(gcmKey, sharePlaintext, new Uint8Array(64)));

// ---------------------------------------------------------------- report
const f = (x: number, digits = 2): string => x.toFixed(digits);
const rows: [string, string, string][] = [
  [`mask ${PARAMETERS.toLocaleString('en')} params, 1 neighbour — Cohort addSeedMask (AES-128-CTR)`, `${f(oursStats.median)} ms`, `p10 ${f(oursStats.p10)}, p90 ${f(oursStats.p90)} (per 1M)`],
  ['  peer — Flower pseudo_rand_gen (MT19937, 32-bit seed)', `${f(peerStats.median)} ms`, `p10 ${f(peerStats.p10)}, p90 ${f(peerStats.p90)} (per 1M)`],
  ['  CPU time (all threads), Cohort / peer', `${f(oursCpu.median)} / ${f(peerCpu.median)} ms`, 'medians per 1M; the steadier figure on a busy machine'],
  ['  ratio peer / Cohort (medians)', `${f(peerStats.median / oursStats.median)}×`, `target Cohort ≤ ${TARGET_MS} ms: ${oursStats.median <= TARGET_MS ? 'met' : 'NOT met'}`],
  ['expandSeed (allocating) per 1M words', `${f(expandStats.median)} ms`, `p10 ${f(expandStats.p10)}, p90 ${f(expandStats.p90)}`],
  [`raw WebCrypto AES-CTR, ${(4 * PARAMETERS).toLocaleString('en')} zero bytes in one call`, `${f(rawCtrMs)} ms`, 'per 1M words; no add'],
  ['AES-128-CTR keystream, raw WebCrypto', `${f(ctrGBps)} GB/s`, `1 MiB calls, 4 in flight, ${ctr.operations * CTR_CALLS} MiB`],
  ['  addSeedMask throughput (keystream + add)', `${f((4e6 / oursStats.median) / 1e6)} GB/s`, 'from the median above'],
  ['X25519 agreement, one at a time', `${f(x25519Sequential.perSecond, 0)} /s`, `${x25519Sequential.operations} agreements`],
  [`X25519 agreement, ${BATCH} in flight`, `${f(x25519Batch.perSecond * BATCH, 0)} /s`, `${x25519Batch.operations * BATCH} agreements`],
  ['X25519 key generation', `${f(keyGeneration.perSecond, 0)} /s`, ''],
  [`Shamir split 32 bytes, t=${THRESHOLD} of n=${NEIGHBOURS}`, `${f(split.perSecond, 0)} /s`, ''],
  [`Shamir combine 32 bytes from t=${THRESHOLD}`, `${f(combine.perSecond, 0)} /s`, ''],
  [`AES-GCM seal ${sharePlaintext.length} B (share message)`, `${f(seal.perSecond, 0)} /s`, 'one key import per seal'],
];
const w0 = Math.max(...rows.map((r) => r[0].length));
const w1 = Math.max(...rows.map((r) => r[1].length));
const load = loadavg().map((x) => x.toFixed(2)).join(' ');
log(`SecAgg masking, ${REPS} interleaved reps, node ${process.version}, ${cpus().length} CPUs, load ${load}`);
for (const [a, b, c] of rows) log(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);

mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('results/secagg-masking.json', import.meta.url),
  `${JSON.stringify(
    {
      benchmark: 'secagg-masking',
      node: process.version,
      date: new Date().toISOString(),
      cpus: cpus().length,
      loadAverage: loadavg(),
      parameters: PARAMETERS,
      reps: REPS,
      secondsPerRate: SECONDS,
      targetMsPerMillionPerNeighbour: TARGET_MS,
      maskingMsPerMillionPerNeighbour: { cohortAddSeedMask: oursStats, flowerMt19937Peer: peerStats, cohortExpandSeed: expandStats, rawAesCtrEncrypt: rawCtrMs },
      maskingCpuMsPerMillionPerNeighbour: { cohortAddSeedMask: oursCpu, flowerMt19937Peer: peerCpu },
      ratioPeerOverCohort: peerStats.median / oursStats.median,
      aesCtrGBps: ctrGBps,
      x25519: { agreementsPerSecondSequential: x25519Sequential.perSecond, agreementsPerSecondBatched: x25519Batch.perSecond * BATCH, batch: BATCH, keyGenerationsPerSecond: keyGeneration.perSecond },
      shamir: { neighbours: NEIGHBOURS, threshold: THRESHOLD, splitsPerSecond: split.perSecond, combinesPerSecond: combine.perSecond },
      aesGcmSealsPerSecond: seal.perSecond,
    },
    null,
    2,
  )}\n`,
);
log('wrote bench/results/secagg-masking.json');
