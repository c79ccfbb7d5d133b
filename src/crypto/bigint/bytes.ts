/**
 * Conversions between bigint, big-endian bytes and base64url (RFC 4648 §5, no padding), as JWK
 * integers are written (RFC 7518 §6.3: minimal big-endian octets, base64url without padding).
 * Platform-neutral (no Buffer), so the same code runs in browsers.
 */
import { CohortError, check } from '../../errors.js';

/** Big-endian bytes of x ≥ 0: minimal length (one zero byte for 0), or exactly `length` bytes. */
export function bigintToBytes(x: bigint, length?: number): Uint8Array {
  check(x >= 0n, 'x', x, 'non-negative');
  let hex = x.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  const minimal = hex.length / 2;
  const size = length ?? minimal;
  check(Number.isInteger(size) && size >= minimal, 'length', length, `an integer of at least ${minimal} (the bytes of ${bitsOf(x)}-bit x)`);
  const out = new Uint8Array(size);
  const offset = size - minimal;
  for (let i = 0; i < minimal; i++) out[offset + i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToBigint(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let hex = '';
  for (const b of bytes) hex += HEX[b];
  return BigInt(`0x${hex}`);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

export function base64urlEncode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += ALPHABET[v >> 18] + (ALPHABET[(v >> 12) & 63] as string) + (ALPHABET[(v >> 6) & 63] as string) + (ALPHABET[v & 63] as string);
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const v = (bytes[i] as number) << 16;
    out += (ALPHABET[v >> 18] as string) + (ALPHABET[(v >> 12) & 63] as string);
  } else if (rest === 2) {
    const v = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += (ALPHABET[v >> 18] as string) + (ALPHABET[(v >> 12) & 63] as string) + (ALPHABET[(v >> 6) & 63] as string);
  }
  return out;
}

/** Strict base64url decoding: only the URL-safe alphabet, no padding, no stray bits. */
export function base64urlDecode(text: string, name = 'base64url text'): Uint8Array {
  const fail = (why: string): never => {
    throw new CohortError('INVALID_DATA', `${name} is not valid base64url: ${why}`, { subject: name });
  };
  if (typeof text !== 'string') fail(`expected a string, got ${typeof text}`);
  const tail = text.length % 4;
  if (tail === 1) fail(`its length ${text.length} leaves a single trailing character`);
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let buffer = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? (DECODE[code] as number) : -1;
    if (value < 0) fail(`character ${JSON.stringify(text[i])} at position ${i} is not in the URL-safe alphabet`);
    buffer = ((buffer << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (buffer >> bits) & 0xff;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) fail('its last character carries non-zero padding bits');
  return out.subarray(0, o);
}

/** A positive integer as JWK writes it (python-paillier's phe.util.int_to_base64). */
export function bigintToBase64url(x: bigint): string {
  check(x > 0n, 'x', x, 'positive (JWK integers are positive)');
  return base64urlEncode(bigintToBytes(x));
}

export function base64urlToBigint(text: string, name = 'base64url integer'): bigint {
  const bytes = base64urlDecode(text, name);
  if (bytes.length === 0) throw new CohortError('INVALID_DATA', `${name} is empty`, { subject: name });
  return bytesToBigint(bytes);
}

function bitsOf(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}
