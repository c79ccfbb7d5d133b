/**
 * Encrypted aggregation inside one process (the simulator): a trusted dealer deals a t-of-ℓ key
 * to ℓ in-process key holders, clients encrypt under its public key, and the server strategy gets
 * only the public parameters and the key holders' endpoints.
 */
import { startPaillierWorkers, type PaillierWorkerPool } from '../../crypto/paillier/index.js';
import type { RandomSource } from '../../crypto/random.js';
import { check } from '../../errors.js';
import type { Strategy } from '../strategy.js';
import type { FederatedClient } from '../types.js';
import { encryptingClient } from './encrypting-client.js';
import { KeyHolder, dealFederationKey } from './key-holder.js';
import { planAggregation, type AggregationPlan } from './plan.js';
import { PaillierAggregation, checkEncryptedAggregationSupports } from './strategy.js';

export interface PaillierAggregationSettings {
  /** Modulus bits of the federation key. Default 2048; tests use 512–1024. */
  readonly keyBits?: number;
  /** Key holders ℓ (default 3) and how many decrypt, t (default 2). */
  readonly keyHolders?: number;
  readonly threshold?: number;
  /** Update coordinates are clipped to ±updateRange (default 1). */
  readonly updateRange?: number;
  readonly slotBits?: number;
}

export const DEFAULT_PAILLIER_SETTINGS = { keyBits: 2048, keyHolders: 3, threshold: 2, updateRange: 1 } as const;

export interface PaillierSimulation {
  readonly plan: AggregationPlan;
  readonly strategy: PaillierAggregation;
  readonly clients: readonly FederatedClient[];
  close(): Promise<void>;
}

/** Parameter count from which client encryption uses worker threads. */
const PARALLEL_FROM_CIPHERTEXTS = 64;

export async function setUpPaillierSimulation(options: {
  readonly settings: PaillierAggregationSettings;
  readonly strategy: Strategy;
  readonly clients: readonly FederatedClient[];
  readonly numParameters: number;
  /** For dealing; must be secure (default: the CSPRNG). */
  readonly rng?: RandomSource;
}): Promise<PaillierSimulation> {
  const { settings, clients } = options;
  checkEncryptedAggregationSupports(options.strategy); // before the (slow) dealing
  check(clients.length >= 1, 'clients.length', clients.length, 'at least 1');
  const sizes = clients.map((client) => client.numExamples);
  check(
    sizes.every((size) => size !== undefined),
    'clients',
    'without numExamples',
    'clients that announce their example counts (the slot layout needs the largest)',
  );
  const dealt = dealFederationKey({
    bits: settings.keyBits ?? DEFAULT_PAILLIER_SETTINGS.keyBits,
    parties: settings.keyHolders ?? DEFAULT_PAILLIER_SETTINGS.keyHolders,
    threshold: settings.threshold ?? DEFAULT_PAILLIER_SETTINGS.threshold,
    ...(options.rng === undefined ? {} : { rng: options.rng }),
  });
  const plan = planAggregation(dealt.parameters.publicKey, {
    updateRange: settings.updateRange ?? DEFAULT_PAILLIER_SETTINGS.updateRange,
    maxClients: clients.length,
    maxExamplesPerClient: Math.max(...(sizes as number[])),
    ...(settings.slotBits === undefined ? {} : { slotBits: settings.slotBits }),
  });
  // A single client's round would be its own update in clear: key holders want two or more.
  const minContributors = Math.min(2, clients.length);
  const keyHolders = dealt.shares.map((share) => new KeyHolder(share, plan.scheme, { minContributors }));
  const strategy = new PaillierAggregation(options.strategy, { plan, parameters: dealt.parameters, keyHolders });
  let workers: PaillierWorkerPool | undefined;
  if (plan.scheme.ciphertextsFor(options.numParameters) >= PARALLEL_FROM_CIPHERTEXTS) {
    workers = await startPaillierWorkers(plan.scheme.publicKey, { workers: 2 });
  }
  const encryption = workers === undefined ? {} : { workers, parallelFrom: PARALLEL_FROM_CIPHERTEXTS };
  return {
    plan,
    strategy,
    clients: clients.map((client) => encryptingClient(client, plan, encryption)),
    close: async () => {
      await workers?.close();
    },
  };
}
