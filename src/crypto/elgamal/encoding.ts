/**
 * Text encodings of fixed-length byte strings (group elements, scalars, ciphertexts): lowercase
 * hex (RFC 4648 §8, base16; either case is read) or unpadded base64url (RFC 4648 §5). Decoding is
 * strict — exact length, no padding, no whitespace, canonical trailing bits — so a malformed input
 * is refused with a message naming what is wrong instead of being silently repaired.
 */
import { CohortError, formatValue } from '../../errors.js';

export type ByteEncoding = 'hex' | 'base64url';

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const BASE64URL_VALUES: ReadonlyMap<string, number> = new Map([...BASE64URL_ALPHABET].map((ch, i) => [ch, i]));

/** Length of the unpadded base64url text of `byteLength` bytes (RFC 4648 §5, §3.2 without '='). */
export function base64urlLength(byteLength: number): number {
  return Math.ceil((byteLength * 8) / 6);
}

export function encodeBytes(bytes: Uint8Array, encoding: ByteEncoding): string {
  return encoding === 'hex' ? bytesToHex(bytes) : bytesToBase64url(bytes);
}

export function checkEncoding(encoding: unknown, name: string): asserts encoding is ByteEncoding {
  if (encoding !== 'hex' && encoding !== 'base64url') {
    throw new CohortError('INVALID_ARGUMENT', `${name} must be "hex" or "base64url" (got ${formatValue(encoding)})`, {
      subject: name,
    });
  }
}

/**
 * Decodes `text` holding exactly `byteLength` bytes, written as hex (2·byteLength characters) or
 * unpadded base64url (⌈8·byteLength/6⌉ characters); the two lengths never coincide for the sizes
 * used here, so the encoding is recognised by length. `what` names the argument in errors.
 */
export function decodeBytes(text: unknown, byteLength: number, what: string): Uint8Array {
  if (typeof text !== 'string') {
    throw malformed(what, `must be a string (got ${typeof text})`);
  }
  const hexLength = 2 * byteLength;
  const b64Length = base64urlLength(byteLength);
  if (text.length === hexLength) return hexToBytes(text, what);
  if (text.length === b64Length) return base64urlToBytes(text, byteLength, what);
  throw malformed(
    what,
    `must be ${hexLength} hex characters or ${b64Length} unpadded base64url characters for ${byteLength} bytes (got ${text.length} characters)`,
  );
}

function malformed(what: string, problem: string): CohortError {
  return new CohortError('INVALID_ARGUMENT', `${what} ${problem}`, { subject: what });
}

function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

function hexToBytes(text: string, what: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const pair = text.slice(2 * i, 2 * i + 2);
    // Lowercase or uppercase hex digits only; parseInt alone would accept "0x" or "+1".
    if (!/^[0-9a-fA-F]{2}$/.test(pair)) {
      throw malformed(what, `is not valid hex: ${JSON.stringify(pair)} at character ${2 * i}`);
    }
    out[i] = Number.parseInt(pair, 16);
  }
  return out;
}

function bytesToBase64url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i] as number;
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    const word = (b0 << 16) | ((b1 ?? 0) << 8) | (b2 ?? 0);
    const chars = b1 === undefined ? 2 : b2 === undefined ? 3 : 4;
    for (let k = 0; k < chars; k++) out += BASE64URL_ALPHABET[(word >>> (18 - 6 * k)) & 63];
  }
  return out;
}

function base64urlToBytes(text: string, byteLength: number, what: string): Uint8Array {
  const out = new Uint8Array(byteLength);
  let accumulator = 0;
  let bits = 0;
  let written = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    const value = BASE64URL_VALUES.get(ch);
    if (value === undefined) {
      throw malformed(what, `is not valid base64url: ${JSON.stringify(ch)} at character ${i} (alphabet A-Z a-z 0-9 - _, no padding)`);
    }
    accumulator = ((accumulator << 6) | value) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[written++] = (accumulator >>> bits) & 0xff;
    }
  }
  // RFC 4648 §3.5: the unused low bits of the last character must be zero (canonical encoding).
  if ((accumulator & ((1 << bits) - 1)) !== 0) {
    throw malformed(what, 'is not canonical base64url: the unused bits of the last character are not zero');
  }
  return out;
}
