/**
 * The folder of the installed `cohort` package, found by walking up from this module to the
 * package.json named "cohort". Works from src/data/ (tsx, vitest) and from dist/src/data/ (after tsc).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CohortError } from '../errors.js';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readPackageName(manifest) === 'cohort') {
      cached = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new CohortError('INTERNAL', `cannot find the cohort package root above ${fileURLToPath(import.meta.url)}`);
    }
    dir = parent;
  }
}

function readPackageName(manifest: string): unknown {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
  } catch {
    return undefined; // an unreadable package.json is not ours; keep walking up
  }
}

/** Path of a file in the package's bundled data/ folder. */
export function bundledDataPath(file: string): string {
  return join(packageRoot(), 'data', file);
}
