/**
 * `npm run bench`: runs every benchmark script in bench/ one after another (never in parallel, so
 * they do not steal each other's cores) and leaves their JSON in bench/results/.
 * `npm run bench -- ml-throughput dp-accountants` runs only the named ones.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const scripts = readdirSync(benchDir) // files starting with _ are helpers other benchmarks spawn
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts' && !file.startsWith('_'))
  .filter((file) => only.length === 0 || only.includes(file.replace(/\.ts$/, '')))
  .sort();

let failures = 0;
for (const script of scripts) {
  process.stdout.write(`\n=== ${script}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(benchDir, script)], { stdio: 'inherit' });
  if (result.status !== 0) {
    failures++;
    process.stdout.write(`${script} exited with status ${String(result.status)}\n`);
  }
}
process.exitCode = failures === 0 ? 0 : 1;
