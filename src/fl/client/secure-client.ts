/**
 * The default secure client of `cohort client`: src/fl/secure-aggregation's
 * `secureAggregationClient` around the local trainer, with the encoder the server's Welcome names
 * (the server repeats the settings in every fit configuration; the secure client refuses to train
 * when they differ from its encoder's).
 */
import { CohortError } from '../../errors.js';
import { WEIGHTED_FIXED_POINT_ENCODER, WeightedFixedPointEncoder, secureAggregationClient } from '../secure-aggregation/index.js';
import type { SecAggSettings } from '../transport/gen/cohort_pb.js';
import type { SecureClientFactory } from './secure-session.js';

/** The client-side encoder for the settings of a Welcome (the one the server decodes with). */
export function encoderFromWelcome(settings: SecAggSettings): WeightedFixedPointEncoder {
  if (settings.encoder !== WEIGHTED_FIXED_POINT_ENCODER) {
    throw new CohortError('UNSUPPORTED', `the server's secure-aggregation encoder ${JSON.stringify(settings.encoder)} is not one this client knows (${WEIGHTED_FIXED_POINT_ENCODER})`, { subject: 'encoder' });
  }
  return new WeightedFixedPointEncoder({ updateRange: settings.updateRange, maxClients: settings.maxClients, ...(settings.weightCap > 0 ? { weightCap: settings.weightCap } : {}) });
}

export const defaultSecureClient: SecureClientFactory = (inner, settings) => secureAggregationClient(inner, { encoder: encoderFromWelcome(settings) });
