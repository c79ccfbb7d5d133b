/**
 * FedProx (Li et al. 2020, "Federated Optimization in Heterogeneous Networks", Eq. 2): FedAvg's
 * aggregation, but each client minimises h_k(w) = F_k(w) + (μ/2)·‖w − w_t‖², the proximal term
 * keeping local models near the round's global weights w_t under heterogeneous data. μ = 0 is
 * exactly FedAvg.
 */
import { check } from '../../errors.js';
import type { FitConfig } from '../types.js';
import { FedAvg, type FedAvgOptions } from './fedavg.js';

export interface FedProxOptions extends FedAvgOptions {
  /** The proximal coefficient μ ≥ 0. */
  readonly proximalMu: number;
}

export class FedProx extends FedAvg {
  override readonly name: string;
  readonly proximalMu: number;

  constructor(options: FedProxOptions) {
    super(options);
    check(Number.isFinite(options.proximalMu) && options.proximalMu >= 0, 'proximalMu', options.proximalMu, 'a finite number ≥ 0');
    this.proximalMu = options.proximalMu;
    this.name = `FedProx(mu=${options.proximalMu})`;
  }

  protected override fitConfig(round: number, seed: number): FitConfig {
    return { ...super.fitConfig(round, seed), proximalMu: this.proximalMu };
  }
}
