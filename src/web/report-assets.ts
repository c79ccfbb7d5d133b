/**
 * Node-only helper for the HTML run report: reads Chart.js's UMD bundle from the installed
 * package so the report can inline it (no network reference in the file).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CohortError } from '../errors.js';

let cached: string | undefined;

/** The source of chart.js/dist/chart.umd.js (its package exports do not list that file, so it is found next to the main entry). */
export function loadChartJsSource(): string {
  if (cached !== undefined) return cached;
  let path = '';
  try {
    path = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.js');
    cached = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CohortError('FILE_NOT_FOUND', `cannot read Chart.js for the report (${path || 'chart.js not installed'}): ${error instanceof Error ? error.message : String(error)}`, {
      subject: path || 'chart.js',
      cause: error,
    });
  }
  return cached;
}
