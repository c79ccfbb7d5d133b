/**
 * The server side: multiplies ciphertexts (adding the packed plaintexts underneath) and asks the
 * key holders to decrypt the sum only. It holds the public packing scheme and no key material;
 * its inputs are EncryptedUpdate bytes, so it never sees a plaintext update.
 */
import { EncryptedVector, type PackingScheme, type ThresholdPublicParameters } from '../../crypto/paillier/index.js';
import { CohortError, check } from '../../errors.js';
import type { EncryptedUpdate, KeyHolderEndpoint, SumDecryptionRequest } from './messages.js';

export class EncryptedSum {
  readonly scheme: PackingScheme;
  readonly length: number;
  private sum: EncryptedVector | undefined;
  private examples = 0;
  private clipped = 0;

  constructor(scheme: PackingScheme, length: number) {
    check(Number.isInteger(length) && length >= 1, 'length', length, 'a positive integer');
    this.scheme = scheme;
    this.length = length;
  }

  get contributors(): number {
    return this.sum?.weight ?? 0;
  }

  get totalExamples(): number {
    return this.examples;
  }

  get clippedValues(): number {
    return this.clipped;
  }

  /** Adds one client's ciphertexts; malformed bytes or one client too many are refused. */
  add(update: EncryptedUpdate): void {
    check(update.length === this.length, 'update.length', update.length, `equal to the model's ${this.length} parameters`);
    check(Number.isSafeInteger(update.numExamples) && update.numExamples >= 1, 'update.numExamples', update.numExamples, 'a positive integer');
    check(Number.isSafeInteger(update.clippedValues) && update.clippedValues >= 0, 'update.clippedValues', update.clippedValues, 'a non-negative integer');
    const vector = EncryptedVector.fromBytes(this.scheme, update.ciphertexts, update.length, 1);
    this.sum = this.sum === undefined ? vector : this.sum.add(vector);
    this.examples += update.numExamples;
    this.clipped += update.clippedValues;
  }

  /** What the key holders are asked to decrypt. */
  request(round: number): SumDecryptionRequest {
    if (this.sum === undefined) throw new CohortError('ROUND_INCOMPLETE', `round ${round}: no encrypted update to aggregate`, { subject: 'updates' });
    return { round, ciphertexts: this.sum.toBytes(), length: this.length, contributors: this.sum.weight };
  }
}

/**
 * Gathers partial decryptions of `request` from the key holders until `threshold` have answered
 * (failures are skipped), combines them per ciphertext and unpacks: Σ_k n_k·clip(Δ_k).
 */
export async function decryptSum(
  parameters: ThresholdPublicParameters,
  scheme: PackingScheme,
  request: SumDecryptionRequest,
  keyHolders: readonly KeyHolderEndpoint[],
): Promise<Float64Array> {
  const count = scheme.ciphertextsFor(request.length);
  const settled = await Promise.allSettled(keyHolders.map((holder) => holder.partialDecryptSum(request)));
  const answers = settled.flatMap((entry) => (entry.status === 'fulfilled' && entry.value.values.length === count ? [entry.value] : []));
  if (answers.length < parameters.threshold) {
    const firstFailure = settled.find((entry) => entry.status === 'rejected');
    const reason = firstFailure?.status === 'rejected' && firstFailure.reason instanceof Error ? `: ${firstFailure.reason.message}` : '';
    throw new CohortError('ROUND_INCOMPLETE', `round ${request.round}: ${answers.length} of the ${parameters.threshold} key holders needed answered${reason}`, {
      subject: 'keyHolders',
      cause: firstFailure?.status === 'rejected' ? firstFailure.reason : undefined,
    });
  }
  const plaintexts: bigint[] = [];
  for (let c = 0; c < count; c++) plaintexts.push(parameters.combine(answers.map((answer) => ({ index: answer.index, value: answer.values[c] as bigint }))));
  return scheme.unpack(plaintexts, request.length, request.contributors);
}
