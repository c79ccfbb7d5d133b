// Privacy accountants: public API (explicit names, so the library entry point has no clashes).
export type {
  PrivacyEvent,
  PrivacyEventKind,
  PoissonGaussianEvent,
  GaussianEvent,
  LaplaceEvent,
  PoissonLaplaceEvent,
  PureDpEvent,
  ApproximateDpEvent,
} from './events.js';
export { validateEvent, eventRepetitions } from './events.js';
export type { Accountant, AccountantName, AccountantReport } from './accountant.js';
export { RdpAccountant, EXTENDED_RDP_ORDERS, rdpCurve, rdpEpsilon, type RdpAccountantOptions } from './rdp.js';
export {
  DEFAULT_RDP_ORDERS,
  amplifyBySubsampling,
  rdpGaussian,
  rdpLaplace,
  rdpPoissonGaussian,
  rdpPureDp,
  rdpToDelta,
  rdpToEpsilon,
  type RdpConversion,
} from './rdp-analysis.js';
export { PldAccountant, pldEpsilon, type PldAccountantOptions } from './pld.js';
export { effectiveNoiseMultiplier, gaussianDelta, gaussianEpsilon, gaussianLogDelta } from './gaussian-exact.js';
export {
  DEFAULT_CONDITIONAL_ROUNDING_BETA,
  DISTRIBUTED_DISCRETE_GAUSSIAN_ORDERS,
  distributedDiscreteGaussianConcentratedEpsilon,
  distributedDiscreteGaussianEpsilon,
  distributedDiscreteGaussianRdp,
  distributedDiscreteGaussianTau,
  roundedL1NormBound,
  roundedL2NormBound,
  type DistributedDiscreteGaussianAccounting,
  type DistributedDiscreteGaussianRound,
} from './distributed-discrete-gaussian.js';
export {
  advancedComposition,
  basicComposition,
  optimalComposition,
  optimalCompositionDelta,
  type ApproximateDp,
  type RepeatedMechanism,
} from './composition.js';

import type { Accountant, AccountantName } from './accountant.js';
import { PldAccountant, type PldAccountantOptions } from './pld.js';
import { RdpAccountant, type RdpAccountantOptions } from './rdp.js';
import { check } from '../../errors.js';

/** An empty accountant of the named kind. */
export function createAccountant(name: AccountantName, options: RdpAccountantOptions & PldAccountantOptions = {}): Accountant {
  check(name === 'rdp' || name === 'pld', 'accountant', name, '"rdp" or "pld"');
  return name === 'rdp'
    ? new RdpAccountant(options.orders === undefined ? {} : { orders: options.orders })
    : new PldAccountant(options);
}
