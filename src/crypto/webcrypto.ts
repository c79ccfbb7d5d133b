/**
 * Access to the platform's WebCrypto (`globalThis.crypto.subtle`), the same API in Node ≥ 20 and
 * browsers, so the SecAgg primitives run unchanged in a browser client. No `node:crypto` here.
 */
import { CohortError } from '../errors.js';

/** The SubtleCrypto instance; UNSUPPORTED when the platform has none (e.g. an insecure browser context). */
export function subtle(): SubtleCrypto {
  const s = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (s === undefined) {
    throw new CohortError('UNSUPPORTED', 'WebCrypto (globalThis.crypto.subtle) is not available on this platform; browsers expose it only in secure contexts (https or localhost)');
  }
  return s;
}

/**
 * `bytes` typed as a WebCrypto BufferSource. TypeScript's Uint8Array may sit on a SharedArrayBuffer,
 * which WebCrypto refuses; such views are copied, ordinary ones are passed through without a copy.
 */
export function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (bytes.buffer instanceof ArrayBuffer) return bytes as Uint8Array<ArrayBuffer>;
  return new Uint8Array(bytes);
}

/** True when the platform stores multi-byte typed-array elements little-endian (all mainstream CPUs). */
export const LITTLE_ENDIAN: boolean = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
