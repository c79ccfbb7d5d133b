/**
 * The client side: turn locally trained weights into an EncryptedUpdate under the federation's
 * public key. The plaintext update never leaves this function.
 */
import { EncryptedVector, type ObfuscatorSource, type PaillierWorkerPool } from '../../crypto/paillier/index.js';
import { CohortError, check } from '../../errors.js';
import type { AggregationPlan } from './plan.js';
import type { EncryptedUpdate } from './messages.js';

export interface UpdateEncryptionOptions {
  /** Randomiser for single-thread encryption (default: the key's standard one). */
  readonly obfuscator?: ObfuscatorSource;
  /** Worker threads used when the vector needs at least `parallelFrom` ciphertexts. */
  readonly workers?: PaillierWorkerPool;
  /** Default 64 ciphertexts. */
  readonly parallelFrom?: number;
}

/** Enc(n_k · clip(local − global, ±updateRange)), reporting how many coordinates were clipped. */
export async function encryptUpdate(
  plan: AggregationPlan,
  globalWeights: Float32Array,
  localWeights: Float32Array,
  numExamples: number,
  options: UpdateEncryptionOptions = {},
): Promise<EncryptedUpdate> {
  check(localWeights.length === globalWeights.length, 'localWeights.length', localWeights.length, `equal to globalWeights.length (${globalWeights.length})`);
  check(Number.isSafeInteger(numExamples) && numExamples >= 1, 'numExamples', numExamples, 'a positive integer');
  if (numExamples > plan.maxExamplesPerClient) {
    throw new CohortError('INVALID_ARGUMENT', `numExamples ${numExamples} exceeds the federation's maxExamplesPerClient ${plan.maxExamplesPerClient} (the slot layout cannot hold its weighted update)`, {
      subject: 'numExamples',
    });
  }
  const range = plan.updateRange;
  const scaled = new Float64Array(localWeights.length);
  let clippedValues = 0;
  for (let i = 0; i < scaled.length; i++) {
    let delta = (localWeights[i] as number) - (globalWeights[i] as number);
    if (!Number.isFinite(delta)) throw new CohortError('INVALID_DATA', `local weight ${i} is not finite (${localWeights[i]}); local training diverged`, { subject: 'localWeights' });
    if (delta > range || delta < -range) {
      clippedValues++;
      delta = delta > 0 ? range : -range;
    }
    scaled[i] = numExamples * delta;
  }
  const { scheme } = plan;
  const workers = options.workers;
  const vector: EncryptedVector =
    workers !== undefined && scheme.ciphertextsFor(scaled.length) >= (options.parallelFrom ?? 64)
      ? await workers.encryptPacked(scheme, scaled)
      : scheme.encrypt(scaled, options.obfuscator);
  scaled.fill(0);
  return { ciphertexts: vector.toBytes(), length: vector.length, numExamples, clippedValues };
}
