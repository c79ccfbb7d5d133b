/**
 * The SecAgg pseudorandom generator: the AES-128-CTR keystream (NIST SP 800-38A §6.5) under
 * key = the first 16 bytes of a ≥ 16-byte seed, initial counter block 0, read as little-endian
 * 32-bit words. Bonawitz et al. (CCS 2017, §4) expand each agreed seed s_uv and self-mask seed b_u
 * with such a PRG; masks are added mod 2^32 and cancel in the sum.
 *
 * WebCrypto's AES-CTR increments the low 64 bits of the counter block ("length: 64"), so the
 * counter does not wrap before 2^64 blocks (a vector of up to 2^66 words).
 *
 * Speed: the keystream is produced by encrypting a shared zero buffer in chunks of CHUNK_WORDS,
 * several chunks in flight (WebCrypto runs them off the main thread in Node), and each chunk is
 * added into the target with a plain Int32Array loop — `(a + b) | 0` is addition mod 2^32 without
 * leaving V8's int32 representation.
 */
import { check } from '../errors.js';
import { checkBytes } from './check-bytes.js';
import { LITTLE_ENDIAN, bufferSource, subtle } from './webcrypto.js';

/** Bytes of the seed used as the AES-128 key. */
export const PRG_KEY_BYTES = 16;
/** Keystream words per WebCrypto call (1 MiB of keystream). */
const CHUNK_WORDS = 1 << 18;
/** WebCrypto calls in flight at once (bounds memory to ~4 MiB of keystream). */
const IN_FLIGHT = 4;

let zeroChunk: Uint8Array<ArrayBuffer> | undefined;

/** `words` 32-bit words of PRG(seed). */
export async function expandSeed(seed: Uint8Array, words: number): Promise<Uint32Array> {
  check(Number.isSafeInteger(words) && words >= 0, 'words', words, 'a non-negative integer');
  const key = await importPrgKey(seed);
  const out = new Uint32Array(words);
  if (!LITTLE_ENDIAN) {
    await addInto(out, key, 1);
    return out;
  }
  const bytes = new Uint8Array(out.buffer);
  await forEachKeystreamChunk(key, zeroCounter(), bytes.length, (chunk, byteOffset) => bytes.set(new Uint8Array(chunk), byteOffset));
  return out;
}

/** target ← target + sign·PRG(seed) mod 2^32, in place (word i of the keystream to target[i]). */
export async function addSeedMask(target: Uint32Array, seed: Uint8Array, sign: 1 | -1): Promise<void> {
  check(target instanceof Uint32Array, 'target', typeof target, 'a Uint32Array');
  check(sign === 1 || sign === -1, 'sign', sign, '1 or -1');
  await addInto(target, await importPrgKey(seed), sign);
}

async function addInto(target: Uint32Array, key: CryptoKey, sign: 1 | -1): Promise<void> {
  const view = new Int32Array(target.buffer, target.byteOffset, target.length);
  await forEachKeystreamChunk(key, zeroCounter(), target.length * 4, (chunk, byteOffset) => {
    addChunk(view, byteOffset >>> 2, chunk, sign);
  });
}

/**
 * FOR KNOWN-ANSWER TESTS ONLY: `bytes` of the AES-128-CTR keystream with an explicit 16-byte
 * initial counter block (incremented in its low 64 bits), as in NIST SP 800-38A Appendix F.5.
 */
export async function aesCtrKeystreamForTests(key: Uint8Array, initialCounter: Uint8Array, bytes: number): Promise<Uint8Array> {
  checkBytes(initialCounter, 'initialCounter', (n) => n === 16, '16 bytes');
  check(Number.isSafeInteger(bytes) && bytes >= 0, 'bytes', bytes, 'a non-negative integer');
  const cryptoKey = await importPrgKey(key);
  const out = new Uint8Array(bytes);
  await forEachKeystreamChunk(cryptoKey, initialCounter, bytes, (chunk, byteOffset) => out.set(new Uint8Array(chunk), byteOffset));
  return out;
}

async function importPrgKey(seed: Uint8Array): Promise<CryptoKey> {
  checkBytes(seed, 'seed', (n) => n >= PRG_KEY_BYTES, `at least ${PRG_KEY_BYTES} bytes`);
  const raw = seed.slice(0, PRG_KEY_BYTES);
  try {
    return await subtle().importKey('raw', raw, 'AES-CTR', false, ['encrypt']);
  } finally {
    raw.fill(0);
  }
}

function zeroCounter(): Uint8Array {
  return new Uint8Array(16);
}

/** The counter block `blocks` blocks after `initial`, adding in the low 64 bits mod 2^64 (as WebCrypto's length 64). */
function counterAt(initial: Uint8Array, blocks: number): Uint8Array<ArrayBuffer> {
  const counter = new Uint8Array(initial);
  const view = new DataView(counter.buffer);
  view.setBigUint64(8, (view.getBigUint64(8) + BigInt(blocks)) & 0xffffffffffffffffn);
  return counter;
}

/**
 * Runs `consume(keystreamChunk, byteOffset)` over the keystream in order of completion, with up
 * to IN_FLIGHT encryptions of the zero chunk outstanding. Chunks are whole AES blocks except the last.
 */
async function forEachKeystreamChunk(key: CryptoKey, initialCounter: Uint8Array, totalBytes: number, consume: (chunk: ArrayBuffer, byteOffset: number) => void): Promise<void> {
  if (totalBytes === 0) return;
  const chunkBytes = CHUNK_WORDS * 4;
  zeroChunk ??= new Uint8Array(chunkBytes);
  const zeros = zeroChunk;
  const s = subtle();
  let next = 0;
  const launch = (): Promise<void> => {
    const start = next;
    const length = Math.min(chunkBytes, totalBytes - start);
    next += length;
    const counter = counterAt(initialCounter, start / 16);
    return s.encrypt({ name: 'AES-CTR', counter: bufferSource(counter), length: 64 }, key, zeros.subarray(0, length)).then((chunk) => consume(chunk, start));
  };
  const running: Promise<void>[] = [];
  try {
    while (next < totalBytes && running.length < IN_FLIGHT) running.push(launch());
    while (running.length > 0) {
      await running.shift();
      if (next < totalBytes) running.push(launch());
    }
  } catch (error) {
    for (const pending of running) pending.catch(() => undefined); // already failing; do not leave unhandled rejections
    throw error;
  }
}

/** view[offset + i] += sign·word_i (mod 2^32), word_i little-endian from `chunk`. */
function addChunk(view: Int32Array, offset: number, chunk: ArrayBuffer, sign: 1 | -1): void {
  const words = chunk.byteLength >>> 2;
  if (LITTLE_ENDIAN) {
    const ks = new Int32Array(chunk, 0, words);
    if (sign === 1) {
      for (let i = 0; i < words; i++) view[offset + i] = ((view[offset + i] as number) + (ks[i] as number)) | 0;
    } else {
      for (let i = 0; i < words; i++) view[offset + i] = ((view[offset + i] as number) - (ks[i] as number)) | 0;
    }
    return;
  }
  const data = new DataView(chunk);
  for (let i = 0; i < words; i++) {
    const w = data.getInt32(4 * i, true);
    view[offset + i] = ((view[offset + i] as number) + sign * w) | 0;
  }
}
