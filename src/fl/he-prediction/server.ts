/**
 * The encrypted prediction service (fastify). It is built from a LinearScorer and holds no key:
 * each request brings the client's public key, and the server computes Enc(w·z + b) on the
 * client's ciphertexts. Bad requests get 400 with a message and the server keeps serving.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { encryptedNumberFromJson, encryptedNumberToJson, publicKeyFromJwk, type ObfuscatorSource, type PaillierPublicKey } from '../../crypto/paillier/index.js';
import { CohortError, check } from '../../errors.js';
import { encryptedScores } from './evaluate.js';
import { MODEL_PATH, PREDICT_PATH, predictRequestSchema, type ModelInfo, type PredictRequest, type PredictResponse } from './protocol.js';
import type { LinearScorer } from './servable-model.js';

export interface PredictionServerOptions {
  /** Smallest client modulus accepted (default 2048). */
  readonly minKeyBits?: number;
  /** Largest client modulus accepted (default 4096; the cost of a request grows with it). */
  readonly maxKeyBits?: number;
  /** Request body limit in bytes (default 256 KiB: 30 features at 4096 bits take ~80 KB). */
  readonly bodyLimit?: number;
  /** Per-request time limit in ms (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** Re-randomiser per client key (default: the key's standard one, one r^n per score). */
  readonly obfuscatorFor?: (publicKey: PaillierPublicKey) => ObfuscatorSource;
  /** fastify's logger (default off). */
  readonly logger?: boolean;
}

export function buildPredictionServer(scorer: LinearScorer, options: PredictionServerOptions = {}): FastifyInstance {
  const minKeyBits = options.minKeyBits ?? 2048;
  const maxKeyBits = options.maxKeyBits ?? 4096;
  check(Number.isInteger(minKeyBits) && minKeyBits >= 256, 'minKeyBits', minKeyBits, 'an integer ≥ 256');
  check(Number.isInteger(maxKeyBits) && maxKeyBits >= minKeyBits && maxKeyBits <= 16384, 'maxKeyBits', maxKeyBits, `an integer in [minKeyBits = ${minKeyBits}, 16384]`);
  const bodyLimit = options.bodyLimit ?? 256 * 1024;
  check(Number.isInteger(bodyLimit) && bodyLimit >= 1024, 'bodyLimit', bodyLimit, 'an integer ≥ 1024');
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    // Refuse unknown fields (private key material) instead of stripping them; no type coercion.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });

  const info: ModelInfo = {
    kind: scorer.kind,
    numFeatures: scorer.numFeatures,
    classNames: scorer.classNames,
    ...(scorer.featureNames === undefined ? {} : { featureNames: scorer.featureNames }),
    standardizer: scorer.standardizer.toJSON(),
    minKeyBits,
  };

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error instanceof CohortError) return reply.status(400).send({ error: error.code, message: error.message });
    if (error.validation !== undefined) return reply.status(400).send({ error: 'INVALID_REQUEST', message: error.message });
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    return reply.status(status).send({ error: status === 500 ? 'INTERNAL' : 'INVALID_REQUEST', message: status === 500 ? 'internal error' : error.message });
  });

  app.get(MODEL_PATH, async () => info);

  app.post<{ Body: PredictRequest }>(PREDICT_PATH, { schema: { body: predictRequestSchema(scorer.numFeatures) } }, async (request): Promise<PredictResponse> => {
    const { public_key: jwk, features } = request.body;
    const publicKey = publicKeyFromJwk(jwk);
    if (publicKey.bits < minKeyBits || publicKey.bits > maxKeyBits) {
      throw new CohortError('INVALID_ARGUMENT', `public key modulus has ${publicKey.bits} bits; this server accepts ${minKeyBits} to ${maxKeyBits}`, { subject: 'public_key' });
    }
    if ((publicKey.n & 1n) === 0n) throw new CohortError('INVALID_ARGUMENT', 'public key modulus must be odd', { subject: 'public_key' });
    if (features.length !== scorer.numFeatures) {
      throw new CohortError('INVALID_ARGUMENT', `the model takes ${scorer.numFeatures} features (got ${features.length})`, { subject: 'features' });
    }
    const encrypted = features.map((feature, j) => {
      try {
        return encryptedNumberFromJson(publicKey, feature);
      } catch (error) {
        throw new CohortError('INVALID_DATA', `features[${j}]: ${error instanceof Error ? error.message : String(error)}`, { subject: `features[${j}]` });
      }
    });
    const obfuscator = options.obfuscatorFor?.(publicKey);
    const scores = encryptedScores(scorer, publicKey, encrypted, obfuscator);
    return { kind: scorer.kind, scores: scores.map((score) => encryptedNumberToJson(score)) };
  });
  return app;
}
