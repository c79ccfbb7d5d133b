/**
 * Secure aggregation on the network server: what `FederationServerOptions.secureAggregation`
 * holds — the encoder settings every client is told in its Welcome (it must encode exactly as the
 * server decodes; the fit configuration repeats them each round and the client checks) and how
 * the strategy is wrapped once the server's peers exist. `networkSecureAggregation`
 * (network-secagg.ts) builds both for SecAgg+ with the weighted fixed-point encoder.
 *
 * The settings are fixed when the server starts, not at the first round as in the simulator:
 * clients join over time, and every one of them must be told the same encoder in its Welcome.
 */
import { create } from '@bufbuild/protobuf';
import { check } from '../../errors.js';
import { type SecAggSettings, SecAggSettingsSchema } from '../transport/gen/cohort_pb.js';
import { toWireExtra } from '../transport/messages.js';
import type { SecureRoundRecord } from '../secure-aggregation/strategy.js';
import type { Strategy } from '../strategy.js';
import type { ConfigValue } from '../types.js';
import type { RemoteSecAggPeers } from './secagg-peers.js';

/** The public encoder settings of a federation (Welcome field 6). */
export interface SecAggWelcomeSettings {
  /** Encoder name; a client refuses one it does not know. */
  readonly encoder: string;
  /** Coordinates of an update are clipped to ±updateRange. */
  readonly updateRange: number;
  /** Most inputs summed in one round (fixed-point headroom); the server admits no more clients. */
  readonly maxClients: number;
  /** Example count of weight 1 (weighted encoders); absent = every client weighs 1. Clients announcing more are refused. */
  readonly weightCap?: number;
  /** Settings of other encoders (distributed DP...), passed through. */
  readonly parameters?: Readonly<Record<string, ConfigValue>>;
}

export interface ServerSecureAggregation {
  readonly settings: SecAggWelcomeSettings;
  /** The secure strategy around `inner`, reaching clients through `peers`. */
  readonly wrap: (inner: Strategy, peers: RemoteSecAggPeers) => Strategy;
}

export function welcomeSettings(settings: SecAggWelcomeSettings): SecAggSettings {
  check(typeof settings.encoder === 'string' && settings.encoder.length > 0, 'secureAggregation.settings.encoder', settings.encoder, 'a non-empty name');
  check(Number.isFinite(settings.updateRange) && settings.updateRange > 0, 'secureAggregation.settings.updateRange', settings.updateRange, 'a finite number > 0');
  check(Number.isInteger(settings.maxClients) && settings.maxClients >= 1 && settings.maxClients < 2 ** 32, 'secureAggregation.settings.maxClients', settings.maxClients, 'an integer ≥ 1');
  if (settings.weightCap !== undefined) check(Number.isFinite(settings.weightCap) && settings.weightCap > 0, 'secureAggregation.settings.weightCap', settings.weightCap, 'a finite number > 0');
  return create(SecAggSettingsSchema, {
    encoder: settings.encoder,
    updateRange: settings.updateRange,
    maxClients: settings.maxClients,
    weightCap: settings.weightCap ?? 0,
    parameters: toWireExtra(settings.parameters),
  });
}

/** What a round record keeps of its SecAgg+ round (JSON: stored with the round's metrics). */
export interface SecureRoundSummary {
  readonly neighbours: number;
  readonly threshold: number;
  readonly survivors: number;
  readonly dropped: readonly string[];
  readonly failures: readonly { readonly clientId: string; readonly stage: string; readonly message: string }[];
  /** Wall-clock milliseconds of each stage (setup, shareKeys, maskedInput, unmask). */
  readonly stageMs: Readonly<Record<string, number>>;
}

/** The SecAgg+ record of `round` kept by a secure strategy (SecureAggregation.rounds), if any. */
export function secureRoundOf(strategy: Strategy, round: number): SecureRoundSummary | undefined {
  const rounds = (strategy as { rounds?: unknown }).rounds;
  if (!Array.isArray(rounds)) return undefined;
  const found = [...(rounds as SecureRoundRecord[])].reverse().find((record) => record.round === round);
  if (found === undefined) return undefined;
  return {
    neighbours: found.neighbours,
    threshold: found.threshold,
    survivors: found.survivors.length,
    dropped: [...found.dropped],
    failures: found.failures.map((failure) => ({ clientId: failure.clientId, stage: failure.stage, message: failure.message })),
    stageMs: Object.fromEntries(Object.entries(found.stageMs).map(([stage, ms]) => [stage, Math.round(ms as number)])),
  };
}
