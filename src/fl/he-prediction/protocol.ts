/**
 * The wire format of the encrypted prediction service (JSON, pheutil style):
 *   GET  /v1/model    → ModelInfo (feature count, classes, the standardiser to apply before encrypting)
 *   POST /v1/predict  ← PredictRequest {public_key: pheutil public JWK, features: [{"v","e"}...]}
 *                     → PredictResponse {kind, scores: [{"v","e"}...]}
 * The request schema admits the public key's fields only: a body carrying private key material
 * ("p", "q", "pub", ...) is refused with 400 before any handler runs.
 */
import type { CiphertextJson, PublicKeyJwk } from '../../crypto/paillier/index.js';
import type { StandardizerJSON } from '../../data/index.js';

export interface ModelInfo {
  readonly kind: 'binary' | 'softmax';
  readonly numFeatures: number;
  readonly classNames: readonly string[];
  readonly featureNames?: readonly string[];
  readonly standardizer: StandardizerJSON;
  /** Smallest Paillier modulus the server accepts. */
  readonly minKeyBits: number;
}

export interface PredictRequest {
  readonly public_key: PublicKeyJwk;
  readonly features: readonly CiphertextJson[];
}

export interface PredictResponse {
  readonly kind: 'binary' | 'softmax';
  readonly scores: readonly CiphertextJson[];
}

export const MODEL_PATH = '/v1/model';
export const PREDICT_PATH = '/v1/predict';

/** Decimal digits of a ciphertext below n² for n of at most 16384 bits. */
const MAX_CIPHERTEXT_DIGITS = 9900;

export function predictRequestSchema(maxFeatures: number): object {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['public_key', 'features'],
    properties: {
      public_key: {
        type: 'object',
        additionalProperties: false,
        required: ['kty', 'alg', 'n'],
        properties: {
          kty: { const: 'DAJ' },
          alg: { const: 'PAI-GN1' },
          key_ops: { type: 'array', maxItems: 4, items: { type: 'string', maxLength: 32 } },
          n: { type: 'string', minLength: 1, maxLength: 3000, pattern: '^[A-Za-z0-9_-]+$' },
          kid: { type: 'string', maxLength: 200 },
        },
      },
      features: {
        type: 'array',
        minItems: 1,
        maxItems: maxFeatures,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['v', 'e'],
          properties: {
            v: { type: 'string', minLength: 1, maxLength: MAX_CIPHERTEXT_DIGITS, pattern: '^[0-9]+$' },
            e: { type: 'integer', minimum: -1024, maximum: 1024 },
          },
        },
      },
    },
  };
}
