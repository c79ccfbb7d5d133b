import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CohortError } from '../../src/errors.js';
import { formatModelSpec, parseModelSpec } from '../../src/ml/index.js';

describe('parseModelSpec', () => {
  it('parses the three model kinds', () => {
    expect(parseModelSpec('logreg')).toEqual({ kind: 'logreg' });
    expect(parseModelSpec('cnn')).toEqual({ kind: 'cnn' });
    expect(parseModelSpec('mlp:256,128')).toEqual({ kind: 'mlp', hidden: [256, 128] });
    expect(parseModelSpec(' MLP:64 ')).toEqual({ kind: 'mlp', hidden: [64] });
  });

  for (const bad of ['', 'mlp', 'mlp:', 'mlp:0', 'mlp:12,,4', 'mlp:-3', 'mlp:1.5', 'mlp:abc', 'mlp:99999999', 'resnet', 'logreg:3']) {
    it(`rejects ${JSON.stringify(bad)} naming --model and the value`, () => {
      try {
        parseModelSpec(bad);
      } catch (error) {
        expect(error).toBeInstanceOf(CohortError);
        expect((error as CohortError).code).toBe('INVALID_ARGUMENT');
        expect((error as CohortError).subject).toBe('--model');
        expect((error as Error).message).toContain(`--model ${JSON.stringify(bad)}`);
        return;
      }
      throw new Error(`${bad} was accepted`);
    });
  }

  it('formatModelSpec is its inverse (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 5 }), (hidden) => {
        const text = formatModelSpec({ kind: 'mlp', hidden });
        expect(text).toBe(`mlp:${hidden.join(',')}`);
        expect(parseModelSpec(text)).toEqual({ kind: 'mlp', hidden });
      }),
    );
  });
});
