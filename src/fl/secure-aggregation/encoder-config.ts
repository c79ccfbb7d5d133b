/**
 * The encoder settings the server announces in every fit configuration (`FitConfig.extra`,
 * scalars, so they travel over the network unchanged), and the client-side check that its own
 * encoder matches: a client whose encoder differs would mask a vector the server decodes into
 * garbage, so it refuses to train instead.
 */
import { CohortError } from '../../errors.js';
import type { ConfigValue } from '../types.js';
import { WeightedFixedPointEncoder, type SecureUpdateEncoder } from './encoder.js';

export const SECAGG_ENCODER_KEY = 'secagg.encoder';
export const SECAGG_UPDATE_RANGE_KEY = 'secagg.updateRange';
export const SECAGG_MAX_CLIENTS_KEY = 'secagg.maxClients';
export const SECAGG_WEIGHT_CAP_KEY = 'secagg.weightCap';

export function encoderFitConfig(encoder: SecureUpdateEncoder): Record<string, ConfigValue> {
  const config: Record<string, ConfigValue> = { [SECAGG_ENCODER_KEY]: encoder.name };
  if (encoder instanceof WeightedFixedPointEncoder) {
    config[SECAGG_UPDATE_RANGE_KEY] = encoder.updateRange;
    config[SECAGG_MAX_CLIENTS_KEY] = encoder.maxClients;
    if (encoder.weightCap !== undefined) config[SECAGG_WEIGHT_CAP_KEY] = encoder.weightCap;
  }
  // Other encoders may announce their own public settings (e.g. the distributed discrete Gaussian's).
  const own = (encoder as { fitConfig?: () => Record<string, ConfigValue> }).fitConfig;
  if (typeof own === 'function') Object.assign(config, own.call(encoder));
  return config;
}

/** Throws INVALID_ARGUMENT naming the first setting in which `encoder` differs from what the server announced. */
export function checkEncoderFitConfig(encoder: SecureUpdateEncoder, extra: Readonly<Record<string, ConfigValue>> | undefined, round: number): void {
  const announced = extra?.[SECAGG_ENCODER_KEY];
  if (announced === undefined) {
    throw new CohortError('INVALID_ARGUMENT', `round ${round}: the server did not ask for secure aggregation, but this client only sends masked updates`, { subject: SECAGG_ENCODER_KEY });
  }
  const mine = encoderFitConfig(encoder);
  for (const key of new Set([SECAGG_ENCODER_KEY, SECAGG_UPDATE_RANGE_KEY, SECAGG_MAX_CLIENTS_KEY, SECAGG_WEIGHT_CAP_KEY, ...Object.keys(mine)])) {
    if (mine[key] !== extra?.[key]) {
      throw new CohortError('INVALID_ARGUMENT', `round ${round}: the server's ${key} is ${JSON.stringify(extra?.[key])}, this client's encoder has ${JSON.stringify(mine[key])}`, {
        subject: key,
      });
    }
  }
}
