/**
 * The accountant interface: compose plain privacy events, then ask for ε at a δ or δ at an ε.
 * Implementations: RdpAccountant (rdp.ts) and PldAccountant (pld.ts).
 */
import type { PrivacyEvent } from './events.js';

export type AccountantName = 'rdp' | 'pld';

export interface AccountantReport {
  readonly accountant: AccountantName;
  readonly epsilon: number;
  readonly delta: number;
  /** Every event composed so far, in order. */
  readonly events: readonly PrivacyEvent[];
  /** RDP: the Rényi order at which the (ε, δ) conversion was tightest. */
  readonly optimalOrder?: number;
  /** RDP: true when the optimal order is the smallest or largest order tried (widen the orders). */
  readonly optimalOrderAtBoundary?: boolean;
  /** PLD: the grid spacing of the privacy-loss discretisation. */
  readonly discretisation?: number;
  /** PLD: the truncated probability mass already included in δ. */
  readonly truncatedMass?: number;
}

export interface Accountant {
  readonly name: AccountantName;
  /** Records one event; returns the accountant so calls chain. Throws on an invalid or unsupported event. */
  compose(event: PrivacyEvent): this;
  /** The smallest ε (≥ 0) this accountant can certify at `delta`; Infinity when none. */
  getEpsilon(delta: number): number;
  /** The δ this accountant certifies at `epsilon`, in [0, 1]. */
  getDelta(epsilon: number): number;
  /** ε at `delta` with the details that produced it. */
  report(delta: number): AccountantReport;
  /** The events composed so far. */
  readonly events: readonly PrivacyEvent[];
}
