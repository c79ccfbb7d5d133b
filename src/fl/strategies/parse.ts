/** Strategy specs as text ("fedavg", "fedprox:0.01"), as the CLI and run results write them. */
import { CohortError } from '../../errors.js';
import type { Strategy } from '../strategy.js';
import { FedAvg, type FedAvgOptions } from './fedavg.js';
import { FedProx } from './fedprox.js';
import { FedAvgM, FedOpt } from './adaptive/index.js';

export type StrategySpec =
  | { readonly kind: 'fedavg' }
  | { readonly kind: 'fedprox'; readonly proximalMu: number }
  | { readonly kind: 'fedavgm' | 'fedadam' | 'fedyogi' | 'fedadagrad'; readonly serverLearningRate?: number };

export function parseStrategySpec(text: string, name = 'strategy'): StrategySpec {
  const fail = (requirement: string): never => {
    throw new CohortError('INVALID_ARGUMENT', `${name} must be ${requirement} (got ${JSON.stringify(text)})`, { subject: name });
  };
  if (typeof text !== 'string') return fail('a string');
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'fedavg') return { kind: 'fedavg' };
  // Server optimisers (docs/network.md): NAME or NAME:SERVER_LEARNING_RATE.
  const adaptive = /^(fedavgm|fedadam|fedyogi|fedadagrad)(?::(.+))?$/.exec(trimmed);
  if (adaptive) {
    const kind = adaptive[1] as 'fedavgm' | 'fedadam' | 'fedyogi' | 'fedadagrad';
    if (adaptive[2] === undefined) return { kind };
    const rate = Number(adaptive[2]);
    if (adaptive[2].trim() === '' || !Number.isFinite(rate) || rate <= 0) fail(`${kind}:ETA with a server learning rate ETA > 0`);
    return { kind, serverLearningRate: rate };
  }
  const match = /^fedprox:(.+)$/.exec(trimmed);
  if (match) {
    const raw = match[1] as string;
    const mu = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(mu) || mu < 0) fail('fedprox:MU with a number MU ≥ 0');
    return { kind: 'fedprox', proximalMu: mu };
  }
  if (trimmed === 'fedprox') fail('fedprox:MU with a number MU ≥ 0, e.g. fedprox:0.01');
  return fail('fedavg, fedprox:MU, fedavgm, fedadam, fedyogi or fedadagrad (optionally :SERVER_LR)');
}

export function formatStrategySpec(spec: StrategySpec): string {
  if (spec.kind === 'fedavg') return 'fedavg';
  if (spec.kind === 'fedprox') return `fedprox:${spec.proximalMu}`;
  return spec.serverLearningRate === undefined ? spec.kind : `${spec.kind}:${spec.serverLearningRate}`;
}

export function createStrategy(spec: StrategySpec, options: FedAvgOptions): Strategy {
  switch (spec.kind) {
    case 'fedavg':
      return new FedAvg(options);
    case 'fedprox':
      return new FedProx({ ...options, proximalMu: spec.proximalMu });
    case 'fedavgm':
      return new FedAvgM({ ...options, ...(spec.serverLearningRate === undefined ? {} : { serverLearningRate: spec.serverLearningRate }) });
    case 'fedadam':
    case 'fedyogi':
    case 'fedadagrad':
      return new FedOpt(spec.kind === 'fedadam' ? 'adam' : spec.kind === 'fedyogi' ? 'yogi' : 'adagrad', {
        ...options,
        ...(spec.serverLearningRate === undefined ? {} : { serverLearningRate: spec.serverLearningRate }),
      });
  }
}
