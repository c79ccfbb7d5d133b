/**
 * FedAvgM (Hsu, Qi & Brown 2019, "Measuring the Effects of Non-Identical Data Distribution for
 * Federated Visual Classification", §3): server momentum on the pseudo-gradient,
 *   v_t = β·v_{t−1} + Δ_t,   x_{t+1} = x_t + η·v_t      (Δ_t = mean_k w_k − x_t).
 * With β = 0 and η = 1 this is FedAvg exactly. Defaults: η = 1, β = 0.9 (Hsu et al.'s setting).
 */
import type { FedAvgOptions } from '../fedavg.js';
import { ServerOptimizerStrategy, checkDecay, checkRate, stateArray } from './server-optimizer.js';

export interface FedAvgMOptions extends FedAvgOptions {
  /** Server learning rate η. Default 1. */
  readonly serverLearningRate?: number;
  /** Server momentum β in [0, 1). Default 0.9. */
  readonly serverMomentum?: number;
}

export class FedAvgM extends ServerOptimizerStrategy {
  override readonly name: string;
  readonly serverLearningRate: number;
  readonly serverMomentum: number;
  private velocity: Float32Array | undefined;

  constructor(options: FedAvgMOptions) {
    super(options);
    this.serverLearningRate = options.serverLearningRate ?? 1;
    this.serverMomentum = options.serverMomentum ?? 0.9;
    checkRate('serverLearningRate', this.serverLearningRate);
    checkDecay('serverMomentum', this.serverMomentum, true);
    this.name = `FedAvgM(lr=${this.serverLearningRate},momentum=${this.serverMomentum})`;
  }

  protected apply(current: Float32Array, delta: Float32Array): Float32Array {
    const velocity = this.velocity ?? new Float32Array(delta.length);
    const next = new Float32Array(current.length);
    for (let i = 0; i < next.length; i++) {
      const v = this.serverMomentum * (velocity[i] as number) + (delta[i] as number);
      velocity[i] = v;
      next[i] = (current[i] as number) + this.serverLearningRate * v;
    }
    this.velocity = velocity;
    return next;
  }

  exportState(): Record<string, Float32Array | number> {
    return { step: this.step, ...(this.velocity ? { velocity: new Float32Array(this.velocity) } : {}) };
  }

  importState(state: Readonly<Record<string, Float32Array | number>>): void {
    this.step = typeof state.step === 'number' ? state.step : 0;
    this.velocity = stateArray(state, 'velocity');
  }
}
