// Lint: typescript-eslint's recommended rules plus the import rules of docs/ARCHITECTURE.md.
// Each layer lists the sibling layers it may NOT import; `src/errors.ts` is importable from all.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layers = ['crypto', 'dp', 'ml', 'data', 'aggregation', 'secagg', 'fl', 'audit', 'store', 'cli', 'web'];

/** May import (besides itself and errors.ts). cli/ and web/ are leaves: no other layer lists them. */
const allowed = {
  crypto: [],
  dp: ['crypto'],
  aggregation: [],
  data: ['crypto'],
  ml: ['crypto', 'data'],
  secagg: ['crypto'],
  store: ['crypto', 'dp'],
  fl: ['crypto', 'dp', 'ml', 'data', 'aggregation', 'secagg', 'store'],
  audit: ['crypto', 'dp', 'ml', 'data', 'aggregation', 'fl'],
  cli: ['crypto', 'dp', 'ml', 'data', 'aggregation', 'secagg', 'fl', 'audit', 'store', 'web'],
  web: ['crypto', 'dp', 'ml', 'data', 'aggregation', 'secagg', 'fl', 'store'],
};

const layerRules = layers.map((layer) => {
  const forbidden = layers.filter((other) => other !== layer && !allowed[layer].includes(other));
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: forbidden.map((other) => ({
            group: ['../', '../../', '../../../'].flatMap((up) => [`${up}${other}`, `${up}${other}/**`]),
            message: `src/${layer} may not import src/${other} (see docs/ARCHITECTURE.md).`,
          })),
        },
      ],
    },
  };
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'src/web/static/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use SecureRandom or SeededRandom from src/crypto/random.ts.' },
      ],
    },
  },
  ...layerRules,
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**', 'src/web/**'],
    rules: {
      'no-console': 'error',
    },
  },
);
