/**
 * FedAvg with a server optimiser (Reddi et al., ICLR 2021, "Adaptive Federated Optimization",
 * Algorithm 2 "FedOpt"): the example-weighted mean of the clients' weights gives the
 * pseudo-gradient Δ_t = mean − x_t, and a server optimiser — not plain replacement — takes the step.
 * Subclasses say how (FedAvgM, FedAdagrad, FedAdam, FedYogi). State (moments) is exported for the
 * round checkpoint so a resumed server continues the same trajectory.
 */
import { check } from '../../../errors.js';
import type { AggregateFitContext, AggregateFitResult } from '../../strategy.js';
import { FedAvg, type FedAvgOptions } from '../fedavg.js';

export abstract class ServerOptimizerStrategy extends FedAvg {
  protected step = 0;

  constructor(options: FedAvgOptions) {
    super(options);
  }

  override aggregateFit(context: AggregateFitContext): AggregateFitResult {
    const averaged = super.aggregateFit(context);
    const current = context.globalWeights;
    const delta = new Float32Array(current.length);
    for (let i = 0; i < delta.length; i++) delta[i] = (averaged.weights[i] as number) - (current[i] as number);
    this.step++;
    const next = this.apply(current, delta);
    return { weights: next, metrics: averaged.metrics };
  }

  /** x_{t+1} from x_t and the pseudo-gradient Δ_t; updates the optimiser state. */
  protected abstract apply(current: Float32Array, delta: Float32Array): Float32Array;

  abstract exportState(): Record<string, Float32Array | number>;
  abstract importState(state: Readonly<Record<string, Float32Array | number>>): void;
}

export function checkRate(name: string, value: number): void {
  check(Number.isFinite(value) && value > 0, name, value, 'a finite number > 0');
}

export function checkDecay(name: string, value: number, allowZero: boolean): void {
  check(Number.isFinite(value) && (allowZero ? value >= 0 : value > 0) && value < 1, name, value, allowZero ? 'in [0, 1)' : 'in (0, 1)');
}

export function stateArray(state: Readonly<Record<string, Float32Array | number>>, key: string): Float32Array | undefined {
  const value = state[key];
  return value instanceof Float32Array ? new Float32Array(value) : undefined;
}
