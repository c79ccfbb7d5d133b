/**
 * The Rényi-DP accountant: keeps the RDP curve of everything composed so far on a fixed list of orders
 * (RDP adds under composition, Mironov 2017 Prop. 1) and converts to (ε, δ) at the best order
 * (formulas and sources in rdp-analysis.ts). Events may be heterogeneous: noise multipliers, sampling
 * rates and mechanisms can change from one event to the next.
 */
import { check } from '../../errors.js';
import type { Accountant, AccountantReport } from './accountant.js';
import { checkDelta, checkEpsilon, eventRepetitions, mechanismKey, validateEvent, type PrivacyEvent } from './events.js';
import {
  DEFAULT_RDP_ORDERS,
  amplifyBySubsampling,
  rdpGaussian,
  rdpLaplace,
  rdpPoissonGaussian,
  rdpPureDp,
  rdpToDelta,
  rdpToEpsilon,
  rdpUnsupported,
} from './rdp-analysis.js';

export interface RdpAccountantOptions {
  /**
   * Rényi orders (> 1) to track. Default: Opacus's 1.1…10.9, 12…63, extended automatically by
   * EXTENDED_RDP_ORDERS (64…4096) when the best order is 63 — which happens for small ε, where the
   * conversion's log(1/δ)/(α − 1) term would otherwise put a floor under ε. Extra orders can only
   * lower ε (every order gives a valid bound). Explicit orders are used as given.
   */
  readonly orders?: readonly number[];
}

/** Orders tried beyond the default list when its largest order is the best one. */
export const EXTENDED_RDP_ORDERS: readonly number[] = Object.freeze([
  64, 72, 80, 96, 112, 128, 160, 192, 256, 320, 384, 512, 768, 1024, 1536, 2048, 3072, 4096,
]);

/** RDP of one repetition of the event's mechanism at every order. */
export function rdpCurve(event: PrivacyEvent, orders: readonly number[]): Float64Array {
  const curve = new Float64Array(orders.length);
  for (let k = 0; k < orders.length; k++) {
    const order = orders[k] as number;
    switch (event.kind) {
      case 'poisson-gaussian':
        curve[k] = rdpPoissonGaussian(event.sampleRate, event.noiseMultiplier, order);
        break;
      case 'gaussian':
        curve[k] = rdpGaussian(event.noiseMultiplier, order);
        break;
      case 'laplace':
        curve[k] = rdpLaplace(event.epsilon, order);
        break;
      case 'pure-dp':
        curve[k] = rdpPureDp(event.epsilon, order);
        break;
      case 'poisson-laplace':
        curve[k] =
          event.sampleRate === 1
            ? rdpLaplace(event.epsilon, order)
            : rdpPureDp(amplifyBySubsampling(event.epsilon, event.sampleRate), order);
        break;
      case 'approximate-dp':
        return rdpUnsupported(event.kind);
    }
  }
  return curve;
}

export class RdpAccountant implements Accountant {
  readonly name = 'rdp' as const;
  readonly orders: readonly number[];
  private readonly total: Float64Array;
  private readonly history: PrivacyEvent[] = [];
  private readonly autoExtend: boolean;
  // Repetitions per distinct mechanism, to evaluate the extended orders on demand.
  private readonly repetitions = new Map<string, { event: PrivacyEvent; count: number }>();
  private extendedTotal: Float64Array | undefined;
  // One DP-SGD run composes the same step thousands of times: compute each mechanism's curve once.
  private readonly curves = new Map<string, Float64Array>();

  constructor(options: RdpAccountantOptions = {}) {
    const orders = options.orders ?? DEFAULT_RDP_ORDERS;
    check(Array.isArray(orders) && orders.length >= 1, 'orders', orders, 'a non-empty array');
    for (const order of orders) check(typeof order === 'number' && order > 1, 'orders[]', order, 'numbers > 1');
    this.orders = Object.freeze([...orders]);
    this.total = new Float64Array(orders.length);
    this.autoExtend = options.orders === undefined;
  }

  get events(): readonly PrivacyEvent[] {
    return this.history;
  }

  compose(event: PrivacyEvent): this {
    validateEvent(event);
    const key = mechanismKey(event);
    let curve = this.curves.get(key);
    if (curve === undefined) {
      curve = rdpCurve(event, this.orders);
      this.curves.set(key, curve);
    }
    const repetitions = eventRepetitions(event);
    for (let k = 0; k < curve.length; k++) this.total[k] = (this.total[k] as number) + repetitions * (curve[k] as number);
    const group = this.repetitions.get(key);
    if (group === undefined) this.repetitions.set(key, { event, count: repetitions });
    else group.count += repetitions;
    this.extendedTotal = undefined;
    this.history.push(Object.freeze({ ...event }));
    return this;
  }

  /** The accumulated RDP at EXTENDED_RDP_ORDERS (computed on first need after each change). */
  private extended(): Float64Array {
    if (this.extendedTotal === undefined) {
      const total = new Float64Array(EXTENDED_RDP_ORDERS.length);
      for (const { event, count } of this.repetitions.values()) {
        const curve = rdpCurve(event, EXTENDED_RDP_ORDERS);
        for (let k = 0; k < curve.length; k++) total[k] = (total[k] as number) + count * (curve[k] as number);
      }
      this.extendedTotal = total;
    }
    return this.extendedTotal;
  }

  /** The best (ε, order) over the tracked orders, extended when the largest default order wins. */
  private bestEpsilon(delta: number): { value: number; order: number; atBoundary: boolean } {
    const base = rdpToEpsilon(this.orders, this.total, delta);
    if (!this.autoExtend || base.index !== this.orders.length - 1) {
      return { value: base.value, order: base.order, atBoundary: base.index === 0 || base.index === this.orders.length - 1 };
    }
    const extended = rdpToEpsilon(EXTENDED_RDP_ORDERS, this.extended(), delta);
    if (extended.value < base.value) {
      return { value: extended.value, order: extended.order, atBoundary: extended.index === EXTENDED_RDP_ORDERS.length - 1 };
    }
    return { value: base.value, order: base.order, atBoundary: false };
  }

  /** The accumulated RDP at each order (a copy). */
  rdp(): Float64Array {
    return this.total.slice();
  }

  getEpsilon(delta: number): number {
    checkDelta(delta);
    if (this.history.length === 0) return 0;
    return this.bestEpsilon(delta).value;
  }

  getDelta(epsilon: number): number {
    checkEpsilon(epsilon);
    if (this.history.length === 0) return 0;
    const base = rdpToDelta(this.orders, this.total, epsilon);
    if (!this.autoExtend || base.index !== this.orders.length - 1) return base.value;
    return Math.min(base.value, rdpToDelta(EXTENDED_RDP_ORDERS, this.extended(), epsilon).value);
  }

  report(delta: number): AccountantReport {
    checkDelta(delta);
    if (this.history.length === 0) {
      return { accountant: 'rdp', epsilon: 0, delta, events: [...this.history] };
    }
    const { value, order, atBoundary } = this.bestEpsilon(delta);
    return {
      accountant: 'rdp',
      epsilon: value,
      delta,
      events: [...this.history],
      optimalOrder: order,
      optimalOrderAtBoundary: atBoundary,
    };
  }
}

/** ε of `steps` Poisson-subsampled Gaussian steps by RDP, with the optimal order. */
export function rdpEpsilon(params: {
  readonly noiseMultiplier: number;
  readonly sampleRate: number;
  readonly steps: number;
  readonly delta: number;
  readonly orders?: readonly number[];
}): { epsilon: number; optimalOrder: number } {
  const accountant = new RdpAccountant(params.orders === undefined ? {} : { orders: params.orders });
  accountant.compose({
    kind: 'poisson-gaussian',
    noiseMultiplier: params.noiseMultiplier,
    sampleRate: params.sampleRate,
    steps: params.steps,
  });
  const report = accountant.report(params.delta);
  return { epsilon: report.epsilon, optimalOrder: report.optimalOrder ?? Number.NaN };
}
