/** Strategy specs as text ("fedavg", "fedprox:0.01"), as the CLI and run results write them. */
import { CohortError } from '../../errors.js';
import type { Strategy } from '../strategy.js';
import { FedAvg, type FedAvgOptions } from './fedavg.js';
import { FedProx } from './fedprox.js';

export type StrategySpec = { readonly kind: 'fedavg' } | { readonly kind: 'fedprox'; readonly proximalMu: number };

export function parseStrategySpec(text: string, name = 'strategy'): StrategySpec {
  const fail = (requirement: string): never => {
    throw new CohortError('INVALID_ARGUMENT', `${name} must be ${requirement} (got ${JSON.stringify(text)})`, { subject: name });
  };
  if (typeof text !== 'string') return fail('a string');
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'fedavg') return { kind: 'fedavg' };
  const match = /^fedprox:(.+)$/.exec(trimmed);
  if (match) {
    const raw = match[1] as string;
    const mu = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(mu) || mu < 0) fail('fedprox:MU with a number MU ≥ 0');
    return { kind: 'fedprox', proximalMu: mu };
  }
  if (trimmed === 'fedprox') fail('fedprox:MU with a number MU ≥ 0, e.g. fedprox:0.01');
  return fail('fedavg or fedprox:MU');
}

export function formatStrategySpec(spec: StrategySpec): string {
  return spec.kind === 'fedavg' ? 'fedavg' : `fedprox:${spec.proximalMu}`;
}

export function createStrategy(spec: StrategySpec, options: FedAvgOptions): Strategy {
  switch (spec.kind) {
    case 'fedavg':
      return new FedAvg(options);
    case 'fedprox':
      return new FedProx({ ...options, proximalMu: spec.proximalMu });
  }
}
