/** The `--model` value: `logreg`, `mlp:H1,H2,...` or `cnn`. */
import { CohortError } from '../errors.js';
import type { ModelSpec } from './model.js';

/** Largest hidden layer accepted; guards against typos like `mlp:2560000`. */
export const MAX_HIDDEN_UNITS = 65536;

const USAGE = 'logreg, mlp:H1,H2,... (positive integers) or cnn';

export function parseModelSpec(text: string): ModelSpec {
  const fail = (why: string): never => {
    throw new CohortError('INVALID_ARGUMENT', `--model ${JSON.stringify(text)} is not valid: ${why} (expected ${USAGE})`, {
      subject: '--model',
    });
  };
  if (typeof text !== 'string') return fail('not a string');
  const value = text.trim().toLowerCase();
  if (value === 'logreg') return { kind: 'logreg' };
  if (value === 'cnn') return { kind: 'cnn' };
  if (value === 'mlp') return fail('mlp needs its hidden layer sizes');
  if (!value.startsWith('mlp:')) return fail('unknown model');
  const parts = value.slice(4).split(',');
  const hidden = parts.map((part) => {
    const trimmed = part.trim();
    if (!/^[0-9]+$/.test(trimmed)) return fail(`hidden size ${JSON.stringify(trimmed)} is not a positive integer`);
    const units = Number(trimmed);
    if (units < 1 || units > MAX_HIDDEN_UNITS) return fail(`hidden size ${units} is outside [1, ${MAX_HIDDEN_UNITS}]`);
    return units;
  });
  return { kind: 'mlp', hidden };
}

/** The canonical text of a spec; `parseModelSpec(formatModelSpec(s))` equals `s`. */
export function formatModelSpec(spec: ModelSpec): string {
  return spec.kind === 'mlp' ? `mlp:${spec.hidden.join(',')}` : spec.kind;
}
