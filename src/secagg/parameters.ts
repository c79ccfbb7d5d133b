/**
 * The public parameters of one SecAgg+ round and their validation. The server fixes them and
 * sends them to every client in the `setup` request; a client re-validates what it receives.
 */
import { CohortError, formatValue } from '../errors.js';

export interface SecAggParameters {
  /** FL round number, bound into every message, key derivation and associated data. */
  readonly round: number;
  /** 32 random bytes chosen by the server per round (HKDF salt; replay protection). */
  readonly sessionId: Uint8Array;
  /** The roster; a client's index in it fixes its Shamir x-coordinate (index + 1) and mask signs. */
  readonly clientIds: readonly string[];
  /** Shamir threshold t: shares needed to rebuild a secret; t > k/2 and t ≤ k. */
  readonly threshold: number;
  /** Neighbours per client k (degree of the graph): even, or n − 1 for the complete graph. */
  readonly neighbours: number;
  /** Length of every masked vector (32-bit words). */
  readonly vectorLength: number;
}

export const SESSION_ID_BYTES = 32;
/** Shamir x-coordinates are 1..65535 (src/crypto/shamir.ts), so at most 65,535 clients. */
export const MAX_CLIENTS = 65535;
/** 2^28 words = 1 GiB per vector: far above any model here, but keeps lengths sane on the wire. */
export const MAX_VECTOR_LENGTH = 2 ** 28;
/** Client ids are short labels; a bound keeps the roster message small. */
export const MAX_CLIENT_ID_LENGTH = 256;

/** A value shown as is (a description such as "16 bytes"), not quoted like a string argument. */
class Shown {
  constructor(readonly text: string) {}
}

function fail(code: 'INVALID_ARGUMENT' | 'INVALID_DATA', name: string, value: unknown, requirement: string): never {
  const shown = value instanceof Shown ? value.text : formatValue(value);
  throw new CohortError(code, `${name} must be ${requirement} (got ${shown})`, { subject: name });
}

/**
 * Throws unless `parameters` describe a valid round. `code` is INVALID_ARGUMENT for a caller's
 * own parameters and INVALID_DATA when a client checks parameters received from the server.
 */
export function validateParameters(
  parameters: SecAggParameters,
  code: 'INVALID_ARGUMENT' | 'INVALID_DATA' = 'INVALID_ARGUMENT',
): void {
  const { round, sessionId, clientIds, threshold, neighbours, vectorLength } = parameters;
  if (!Number.isInteger(round) || round < 0 || round > 0xffffffff) fail(code, 'round', round, 'an integer in [0, 2^32)');
  if (!(sessionId instanceof Uint8Array) || sessionId.length !== SESSION_ID_BYTES) {
    fail(code, 'sessionId', sessionId instanceof Uint8Array ? new Shown(`${sessionId.length} bytes`) : sessionId, `${SESSION_ID_BYTES} bytes`);
  }
  const n = clientIds.length;
  if (n < 2 || n > MAX_CLIENTS) fail(code, 'clientIds', new Shown(`${n} clients`), `2 to ${MAX_CLIENTS} clients`);
  const seen = new Set<string>();
  for (const id of clientIds) {
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_CLIENT_ID_LENGTH) {
      fail(code, 'clientIds', id, `non-empty strings of at most ${MAX_CLIENT_ID_LENGTH} characters`);
    }
    if (seen.has(id)) fail(code, 'clientIds', id, 'unique (duplicate id)');
    seen.add(id);
  }
  validateGraphParameters(n, neighbours, threshold, code);
  if (!Number.isInteger(vectorLength) || vectorLength < 1 || vectorLength > MAX_VECTOR_LENGTH) {
    fail(code, 'vectorLength', vectorLength, `an integer in [1, ${MAX_VECTOR_LENGTH}]`);
  }
}

/** Checks k and t for n clients (see docs/secure-aggregation.md, "Parameters"). */
export function validateGraphParameters(
  n: number,
  neighbours: number,
  threshold: number,
  code: 'INVALID_ARGUMENT' | 'INVALID_DATA' = 'INVALID_ARGUMENT',
): void {
  if (!Number.isInteger(neighbours) || neighbours < 1 || neighbours > n - 1) {
    fail(code, 'neighbours', neighbours, `an integer in [1, ${n - 1}] for ${n} clients`);
  }
  if (neighbours !== n - 1 && neighbours % 2 !== 0) {
    fail(code, 'neighbours', neighbours, `even (a circulant graph has k/2 ring neighbours on each side) or ${n - 1} (complete graph)`);
  }
  // t > k/2: each honest holder reveals at most one of (b_v, s_sk_v) shares for a peer v, so a
  // server (even one lying about dropouts) collects at most k shares in total and can never hold
  // t of both kinds (Bonawitz et al. CCS 2017; Bell et al. CCS 2020).
  if (!Number.isInteger(threshold) || threshold * 2 <= neighbours || threshold > neighbours) {
    fail(code, 'threshold', threshold, `an integer with k/2 < t ≤ k for k = ${neighbours} neighbours`);
  }
}
