/**
 * FedAdagrad, FedAdam and FedYogi (Reddi et al., ICLR 2021, "Adaptive Federated Optimization",
 * Algorithm 2), with Δ_t = mean_k w_k − x_t:
 *   m_t = β1·m_{t−1} + (1 − β1)·Δ_t
 *   FedAdagrad: v_t = v_{t−1} + Δ_t²
 *   FedYogi:    v_t = v_{t−1} − (1 − β2)·Δ_t²·sign(v_{t−1} − Δ_t²)
 *   FedAdam:    v_t = β2·v_{t−1} + (1 − β2)·Δ_t²
 *   x_{t+1} = x_t + η·m_t / (√v_t + τ)
 * m_{−1} = 0 and v_{−1} = τ² (the paper's v_{−1} ≥ τ²), no bias correction, as in Algorithm 2.
 * Defaults follow Flower's implementations: η = 0.1, β1 = 0.9 (0 for FedAdagrad), β2 = 0.99,
 * τ = 1e−9. The paper tunes η and τ per task (its grids: η ∈ 10^[−3, 1], τ ∈ 10^[−5, −1]).
 */
import type { FedAvgOptions } from '../fedavg.js';
import { ServerOptimizerStrategy, checkDecay, checkRate, stateArray } from './server-optimizer.js';

export type AdaptiveKind = 'adagrad' | 'adam' | 'yogi';

export interface FedOptOptions extends FedAvgOptions {
  /** Server learning rate η. Default 0.1. */
  readonly serverLearningRate?: number;
  /** First-moment decay β1. Default 0.9 (FedAdagrad: 0). */
  readonly beta1?: number;
  /** Second-moment decay β2 (FedAdam, FedYogi). Default 0.99. */
  readonly beta2?: number;
  /** Adaptivity τ > 0. Default 1e-9. */
  readonly tau?: number;
}

export class FedOpt extends ServerOptimizerStrategy {
  override readonly name: string;
  readonly kind: AdaptiveKind;
  readonly serverLearningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly tau: number;
  private m: Float32Array | undefined;
  private v: Float32Array | undefined;

  constructor(kind: AdaptiveKind, options: FedOptOptions) {
    super(options);
    this.kind = kind;
    this.serverLearningRate = options.serverLearningRate ?? 0.1;
    this.beta1 = options.beta1 ?? (kind === 'adagrad' ? 0 : 0.9);
    this.beta2 = options.beta2 ?? 0.99;
    this.tau = options.tau ?? 1e-9;
    checkRate('serverLearningRate', this.serverLearningRate);
    checkDecay('beta1', this.beta1, true);
    checkDecay('beta2', this.beta2, false);
    checkRate('tau', this.tau);
    const label = kind === 'adagrad' ? 'FedAdagrad' : kind === 'adam' ? 'FedAdam' : 'FedYogi';
    this.name = `${label}(lr=${this.serverLearningRate},beta1=${this.beta1}${kind === 'adagrad' ? '' : `,beta2=${this.beta2}`},tau=${this.tau})`;
  }

  protected apply(current: Float32Array, delta: Float32Array): Float32Array {
    const n = delta.length;
    const m = this.m ?? new Float32Array(n);
    const v = this.v ?? new Float32Array(n).fill(this.tau * this.tau);
    const { beta1, beta2, tau, serverLearningRate: eta } = this;
    const next = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const d = delta[i] as number;
      const d2 = d * d;
      const mi = beta1 * (m[i] as number) + (1 - beta1) * d;
      const previous = v[i] as number;
      let vi: number;
      if (this.kind === 'adagrad') vi = previous + d2;
      else if (this.kind === 'adam') vi = beta2 * previous + (1 - beta2) * d2;
      else vi = previous - (1 - beta2) * d2 * Math.sign(previous - d2);
      m[i] = mi;
      v[i] = vi;
      next[i] = (current[i] as number) + (eta * mi) / (Math.sqrt(vi) + tau);
    }
    this.m = m;
    this.v = v;
    return next;
  }

  exportState(): Record<string, Float32Array | number> {
    return { step: this.step, ...(this.m ? { m: new Float32Array(this.m) } : {}), ...(this.v ? { v: new Float32Array(this.v) } : {}) };
  }

  importState(state: Readonly<Record<string, Float32Array | number>>): void {
    this.step = typeof state.step === 'number' ? state.step : 0;
    this.m = stateArray(state, 'm');
    this.v = stateArray(state, 'v');
  }
}

export const FedAdagrad = (options: FedOptOptions) => new FedOpt('adagrad', options);
export const FedAdam = (options: FedOptOptions) => new FedOpt('adam', options);
export const FedYogi = (options: FedOptOptions) => new FedOpt('yogi', options);
