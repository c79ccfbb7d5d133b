/**
 * The `--model` value: `logreg`, `mlp:H1,H2,...[:ACTIVATION]` or `cnn[:ACTIVATION]`, with
 * ACTIVATION `relu` (the default, left out of the canonical text) or `tanh` (model.ts).
 */
import { CohortError } from '../errors.js';
import type { HiddenActivation, ModelSpec } from './model.js';

/** Largest hidden layer accepted; guards against typos like `mlp:2560000`. */
export const MAX_HIDDEN_UNITS = 65536;

/** The hidden-layer activations a spec may name; the first is the default. */
export const HIDDEN_ACTIVATIONS: readonly HiddenActivation[] = ['relu', 'tanh'];

const USAGE = 'logreg, mlp:H1,H2,... (positive integers) or cnn, optionally followed by :relu or :tanh for mlp and cnn';

export function parseModelSpec(text: string): ModelSpec {
  const fail = (why: string): never => {
    throw new CohortError('INVALID_ARGUMENT', `--model ${JSON.stringify(text)} is not valid: ${why} (expected ${USAGE})`, {
      subject: '--model',
    });
  };
  if (typeof text !== 'string') return fail('not a string');
  const value = text.trim().toLowerCase();
  const [kind = '', ...rest] = value.split(':');
  const activationOf = (part: string | undefined): { activation?: HiddenActivation } => {
    if (part === undefined) return {};
    const name = part.trim();
    if (!(HIDDEN_ACTIVATIONS as readonly string[]).includes(name)) {
      return fail(`activation ${JSON.stringify(name)} is not one of ${HIDDEN_ACTIVATIONS.join(', ')}`);
    }
    // The default is left out, so that parse(format(spec)) equals spec.
    return name === 'relu' ? {} : { activation: name as HiddenActivation };
  };
  switch (kind.trim()) {
    case 'logreg':
      if (rest.length > 0) return fail('logreg takes no options (it has no hidden layer)');
      return { kind: 'logreg' };
    case 'cnn':
      if (rest.length > 1) return fail('cnn takes at most one option, the activation');
      return { kind: 'cnn', ...activationOf(rest[0]) };
    case 'mlp': {
      if (rest.length === 0) return fail('mlp needs its hidden layer sizes');
      if (rest.length > 2) return fail('mlp takes its hidden sizes and at most an activation');
      const hidden = (rest[0] as string).split(',').map((part) => {
        const trimmed = part.trim();
        if (!/^[0-9]+$/.test(trimmed)) return fail(`hidden size ${JSON.stringify(trimmed)} is not a positive integer`);
        const units = Number(trimmed);
        if (units < 1 || units > MAX_HIDDEN_UNITS) return fail(`hidden size ${units} is outside [1, ${MAX_HIDDEN_UNITS}]`);
        return units;
      });
      return { kind: 'mlp', hidden, ...activationOf(rest[1]) };
    }
    default:
      return fail('unknown model');
  }
}

/** The activation of a spec's hidden layers ('relu' when the spec leaves it out). */
export function hiddenActivationOf(spec: ModelSpec): HiddenActivation {
  return spec.kind === 'logreg' ? 'relu' : (spec.activation ?? 'relu');
}

/** The canonical text of a spec; `parseModelSpec(formatModelSpec(s))` equals `s`. */
export function formatModelSpec(spec: ModelSpec): string {
  const base = spec.kind === 'mlp' ? `mlp:${spec.hidden.join(',')}` : spec.kind;
  return spec.kind !== 'logreg' && spec.activation !== undefined && spec.activation !== 'relu' ? `${base}:${spec.activation}` : base;
}
