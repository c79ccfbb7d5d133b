/**
 * The client of the encrypted prediction service: standardise with the model's published
 * statistics, encrypt each feature under the client's own key, send the ciphertexts and the
 * public key, decrypt the returned scores, then apply the logistic sigmoid (two classes) or
 * softmax (k classes). The private key never leaves this object.
 */
import {
  encodeForPheutil,
  encryptedNumberFromJson,
  encryptedNumberToJson,
  publicKeyToJwk,
  type ObfuscatorSource,
  type PaillierPrivateKey,
} from '../../crypto/paillier/index.js';
import { Standardizer } from '../../data/index.js';
import { CohortError, check } from '../../errors.js';
import { MODEL_PATH, PREDICT_PATH, type ModelInfo, type PredictRequest, type PredictResponse } from './protocol.js';

export interface EncryptedPrediction {
  /** Class probabilities (σ(s) for class 1 of a binary model; softmax otherwise). */
  readonly probabilities: readonly number[];
  readonly predictedClass: number;
  readonly className: string;
  /** The decrypted scores (logit difference, or one logit per class). */
  readonly scores: readonly number[];
}

export interface PredictionClientOptions {
  /** Per-request time limit in ms (default 60 s). */
  readonly timeoutMs?: number;
}

/** σ(s) = 1 / (1 + e^(−s)), computed without overflow for large |s|. */
export function sigmoid(score: number): number {
  if (score >= 0) return 1 / (1 + Math.exp(-score));
  const e = Math.exp(score);
  return e / (1 + e);
}

/** softmax with the maximum subtracted (same result, no overflow). */
export function softmax(scores: readonly number[]): number[] {
  const max = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

/** Probabilities from the decrypted scores of a model of `kind`. */
export function probabilitiesFromScores(kind: ModelInfo['kind'], scores: readonly number[]): number[] {
  if (kind === 'binary') {
    const p = sigmoid(scores[0] as number);
    return [1 - p, p];
  }
  return softmax(scores);
}

export class EncryptedPredictionClient {
  readonly serverUrl: string;
  readonly info: ModelInfo;
  private readonly privateKey: PaillierPrivateKey;
  private readonly standardizer: Standardizer;
  private readonly obfuscator: ObfuscatorSource;
  private readonly timeoutMs: number;

  private constructor(serverUrl: string, info: ModelInfo, privateKey: PaillierPrivateKey, timeoutMs: number) {
    this.serverUrl = serverUrl;
    this.info = info;
    this.privateKey = privateKey;
    this.standardizer = Standardizer.fromJSON(info.standardizer);
    // The key holder encrypts through CRT: same distribution as standard encryption, faster.
    this.obfuscator = privateKey.crtObfuscator();
    this.timeoutMs = timeoutMs;
  }

  /** Fetches the model description (feature count, classes, standardiser). */
  static async connect(serverUrl: string, privateKey: PaillierPrivateKey, options: PredictionClientOptions = {}): Promise<EncryptedPredictionClient> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    check(Number.isFinite(timeoutMs) && timeoutMs > 0, 'timeoutMs', timeoutMs, 'a positive number');
    const base = serverUrl.replace(/\/+$/, '');
    const info = (await requestJson(`${base}${MODEL_PATH}`, { method: 'GET' }, timeoutMs)) as ModelInfo;
    check(typeof info === 'object' && info !== null && Number.isInteger(info.numFeatures) && Array.isArray(info.classNames), 'model info', JSON.stringify(info).slice(0, 80), 'a model description');
    if (privateKey.publicKey.bits < info.minKeyBits) {
      throw new CohortError('INVALID_ARGUMENT', `the server wants keys of at least ${info.minKeyBits} bits (this key has ${privateKey.publicKey.bits})`, { subject: '--key' });
    }
    return new EncryptedPredictionClient(base, info, privateKey, timeoutMs);
  }

  /** The request for one row of raw (unstandardised) features. */
  encryptRow(features: ArrayLike<number>): PredictRequest {
    const d = this.info.numFeatures;
    check(features.length === d, 'features.length', features.length, `the model's ${d} features`);
    const publicKey = this.privateKey.publicKey;
    const ciphertexts = Array.from({ length: d }, (_, j) => {
      const raw = features[j] as number;
      check(Number.isFinite(raw), `features[${j}]`, raw, 'a finite number');
      const z = (raw - (this.standardizer.mean[j] as number)) / (this.standardizer.scale[j] as number);
      return encryptedNumberToJson(publicKey.encryptEncoded(encodeForPheutil(publicKey, z), { obfuscator: this.obfuscator }));
    });
    return { public_key: publicKeyToJwk(publicKey), features: ciphertexts };
  }

  /** Sends an encrypted request and returns the encrypted response, as they travel. */
  async send(request: PredictRequest): Promise<PredictResponse> {
    return (await requestJson(`${this.serverUrl}${PREDICT_PATH}`, { method: 'POST', body: JSON.stringify(request), headers: { 'content-type': 'application/json' } }, this.timeoutMs)) as PredictResponse;
  }

  /** Decrypts the scores of a response and turns them into probabilities. */
  decryptResponse(response: PredictResponse): EncryptedPrediction {
    const expected = this.info.kind === 'binary' ? 1 : this.info.classNames.length;
    if (!Array.isArray(response?.scores) || response.scores.length !== expected) {
      throw new CohortError('INVALID_DATA', `the server returned ${response?.scores?.length ?? 'no'} scores, expected ${expected}`, { subject: 'response' });
    }
    const scores = response.scores.map((score) => Number(this.privateKey.decrypt(encryptedNumberFromJson(this.privateKey.publicKey, score))));
    const probabilities = probabilitiesFromScores(this.info.kind, scores);
    let predictedClass = 0;
    probabilities.forEach((p, c) => {
      if (p > (probabilities[predictedClass] as number)) predictedClass = c;
    });
    return { probabilities, predictedClass, className: this.info.classNames[predictedClass] ?? String(predictedClass), scores };
  }

  async predict(features: ArrayLike<number>): Promise<EncryptedPrediction> {
    return this.decryptResponse(await this.send(this.encryptRow(features)));
  }
}

async function requestJson(url: string, init: RequestInit, timeoutMs: number): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (cause) {
    throw new CohortError('NETWORK_ERROR', `${init.method ?? 'GET'} ${url} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { subject: url, cause });
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    throw new CohortError('NETWORK_ERROR', `${url} answered ${response.status} with non-JSON text`, { subject: url });
  }
  if (!response.ok) {
    const message = typeof body === 'object' && body !== null && 'message' in body ? String((body as { message: unknown }).message) : text.slice(0, 200);
    throw new CohortError(response.status >= 500 ? 'NETWORK_ERROR' : 'INVALID_ARGUMENT', `server refused the request (${response.status}): ${message}`, { subject: url });
  }
  return body;
}
