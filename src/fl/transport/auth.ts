/**
 * Client authentication without sending the token: a SCRAM-style proof (RFC 5802, §3), with the
 * client's random 256-bit token in place of a salted password (a high-entropy secret needs no
 * key stretching).
 *   clientKey  = HMAC-SHA-256(token, "Client Key")
 *   storedKey  = SHA-256(clientKey)                       — all the server keeps
 *   signature  = HMAC-SHA-256(storedKey, authMessage),    authMessage = serverNonce ‖ clientNonce ‖ name
 *   proof      = clientKey XOR signature
 * The server recomputes signature, recovers clientKey = proof XOR signature and accepts iff
 * SHA-256(clientKey) equals storedKey (constant-time compare). A fresh server nonce per
 * connection makes a recorded proof useless (replay), and a leaked storedKey does not log in.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { check } from '../../errors.js';

export const TOKEN_BYTES = 32;
export const NONCE_BYTES = 32;

/** A new client token (base64url, 256 random bits from the OS CSPRNG). */
export function generateToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

export function newNonce(): Uint8Array {
  return new Uint8Array(randomBytes(NONCE_BYTES));
}

function clientKeyOf(token: string): Buffer {
  check(typeof token === 'string' && token.length >= 16, 'token', token === '' ? '' : '(hidden)', 'a token of at least 16 characters');
  return createHmac('sha256', token).update('Client Key').digest();
}

/** What the server stores for a token: SHA-256(HMAC-SHA-256(token, "Client Key")). */
export function storedKeyOf(token: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(clientKeyOf(token)).digest());
}

function authMessage(serverNonce: Uint8Array, clientNonce: Uint8Array, clientName: string): Buffer {
  return Buffer.concat([Buffer.from(serverNonce), Buffer.from(clientNonce), Buffer.from(clientName, 'utf8')]);
}

export function clientProof(token: string, serverNonce: Uint8Array, clientNonce: Uint8Array, clientName: string): Uint8Array {
  const clientKey = clientKeyOf(token);
  const storedKey = createHash('sha256').update(clientKey).digest();
  const signature = createHmac('sha256', storedKey).update(authMessage(serverNonce, clientNonce, clientName)).digest();
  const proof = new Uint8Array(clientKey.length);
  for (let i = 0; i < proof.length; i++) proof[i] = (clientKey[i] as number) ^ (signature[i] as number);
  return proof;
}

/** True iff `proof` was made with the token behind `storedKey` for exactly these nonces and name. */
export function verifyProof(storedKey: Uint8Array, proof: Uint8Array, serverNonce: Uint8Array, clientNonce: Uint8Array, clientName: string): boolean {
  if (storedKey.length !== 32 || proof.length !== 32 || clientNonce.length !== NONCE_BYTES) return false;
  const signature = createHmac('sha256', storedKey).update(authMessage(serverNonce, clientNonce, clientName)).digest();
  const clientKey = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) clientKey[i] = (proof[i] as number) ^ (signature[i] as number);
  return timingSafeEqual(createHash('sha256').update(clientKey).digest(), storedKey);
}
