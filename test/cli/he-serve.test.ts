import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset, fitStandardizer } from '../../src/data/index.js';
import { loadModel } from '../../src/ml/index.js';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cohort-he-serve-'));
let server: ChildProcess | undefined;

afterAll(() => {
  server?.kill('SIGTERM');
});

/** Starts `cohort he serve` in its own process and resolves with the URL it prints. */
function startServer(modelDir: string): Promise<string> {
  server = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'he', 'serve', '--model', modelDir, '--port', '0', '--min-key-bits', '1024'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s: ${out} ${err}`)), 30_000);
    server?.stdout?.on('data', (chunk: Buffer) => {
      out += String(chunk);
      const match = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    server?.stderr?.on('data', (chunk: Buffer) => (err += String(chunk)));
    server?.on('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}

describe('cohort he train-demo / serve / predict', () => {
  it('predicts rows of a CSV through a separate server process that gets no key', async () => {
    const modelDir = join(dir, 'model');
    const trained = await runCli(['he', 'train-demo', '--out', modelDir, '--epochs', '3']);
    expect(trained.stderr).toBe('');
    expect(trained.code).toBe(0);
    const keyFile = join(dir, 'key.json');
    expect((await runCli(['he', 'keygen', '--bits', '1024', '--out', keyFile])).code).toBe(0);

    const { data } = await loadDataset('breast-cancer');
    const rows = [0, 1, 2, 3, 4, 5];
    const csv = [[...data.featureNames, 'diagnosis'].join(','), ...rows.map((i) => [...data.features.subarray(i * 30, (i + 1) * 30), data.classNames[data.labels[i]!]].join(','))].join('\n');
    writeFileSync(join(dir, 'rows.csv'), `${csv}\n`);

    const url = await startServer(modelDir);
    const run = await runCli(['he', 'predict', '--server', url, '--key', keyFile, '--input', join(dir, 'rows.csv'), '--label', 'diagnosis', '--timeout', '20000']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe(`row,class,p_${data.classNames[1]},label`);
    expect(lines).toHaveLength(rows.length + 1);

    // Plaintext reference: the saved model on the same rows, standardised with the saved statistics.
    const model = await loadModel(modelDir);
    const metadata = JSON.parse(readFileSync(join(modelDir, 'prediction.json'), 'utf8'));
    expect(metadata.standardizer).toEqual(fitStandardizer(data).toJSON());
    const standardized = fitStandardizer(data).apply({ ...data, features: data.features.slice(0, 6 * 30), labels: data.labels.slice(0, 6), numExamples: 6 });
    const plain = await model.predict(standardized);
    model.dispose();
    rows.forEach((i) => {
      const [row, className, p1, label] = lines[i + 1]!.split(',');
      expect(row).toBe(String(i + 1));
      expect(Math.abs(Number(p1) - plain[2 * i + 1]!)).toBeLessThan(1e-6);
      expect(className).toBe(data.classNames[plain[2 * i + 1]! > 0.5 ? 1 : 0]);
      expect(label).toBe(data.classNames[data.labels[i]!]);
    });

    // Bad input exits 2 with one line; a public key cannot decrypt.
    const publicOnly = join(dir, 'public.json');
    writeFileSync(publicOnly, JSON.stringify(JSON.parse(readFileSync(keyFile, 'utf8')).pub));
    const refused = await runCli(['he', 'predict', '--server', url, '--key', publicOnly, '--input', join(dir, 'rows.csv')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/is a public key/);
    const wrongColumns = await runCli(['he', 'predict', '--server', url, '--key', keyFile, '--input', join(dir, 'rows.csv')]);
    expect(wrongColumns.code).toBe(2);
    expect(wrongColumns.stderr).toMatch(/not a number|31 feature columns/);
  }, 120_000);

  it('serve refuses a model directory without prediction.json', async () => {
    const run = await runCli(['he', 'serve', '--model', join(dir, 'nowhere')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/prediction.json not found/);
  });
});
