import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from './run-cli.js';

const folder = mkdtempSync(join(tmpdir(), 'cohort-simulate-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());


function csvFile(name: string, text: string): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

const goodCsv = csvFile('good.csv', 'a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n9,10,x\n');
const textCsv = csvFile('text.csv', 'a,b,label\n1,2,x\n3,oops,y\n5,6,x\n');
// Fast settings for runs that are expected to get going.
const quick = ['--rounds', '2', '--workers', '0', '--no-centralized'];

describe('cohort simulate: bad input → exit 2 and one line naming the flag or file and the value', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown data set', ['--data', 'no-such-data'], /unknown data set "no-such-data"/],
    ['missing label column', ['--data', `csv:${goodCsv}`, '--label', 'nosuch'], /--label "nosuch" is not a column of .*good\.csv/],
    ['non-numeric feature', ['--data', `csv:${textCsv}`], /text\.csv.*row 2.*non-numeric value "oops"/],
    ['missing data file', ['--data', `csv:${join(folder, 'absent.csv')}`], /absent\.csv/],
    ['more clients than examples', ['--clients', '600'], /--clients 600 is more than the 455 examples/],
    ['α = 0', ['--partition', 'dirichlet:0'], /--partition must be .*\(got "dirichlet:0"\)/],
    ['α < 0', ['--partition', 'dirichlet:-0.5'], /--partition must be .*\(got "dirichlet:-0.5"\)/],
    ['rounds < 1', ['--rounds', '0'], /--rounds must be at least 1 \(got "0"\)/],
    ['non-integer clients', ['--clients', '2.5'], /--clients must be an integer \(got "2.5"\)/],
    ['non-numeric learning rate', ['--lr', 'fast'], /--lr must be a number \(got "fast"\)/],
    ['fraction above 1', ['--fraction', '1.5'], /--fraction must be at most 1 \(got "1.5"\)/],
    ['unknown strategy', ['--strategy', 'fedsgd'], /--strategy must be .*fedavg.*fedprox:MU.* \(got "fedsgd"\)/],
    ['malformed model', ['--model', 'mlp:abc'], /--model "mlp:abc" is not valid/],
    ['unknown optimizer', ['--optimizer', 'rmsprop'], /--optimizer must be one of sgd, adam \(got "rmsprop"\)/],
    ['unknown flag', ['--bogus'], /--bogus/],
    ['missing flag value', ['--rounds'], /--rounds/],
    ['report folder missing', ['--report', join(folder, 'nope', 'r.html')], /--report ".*r\.html": folder ".*nope" does not exist/],
  ];

  it.each(cases)('%s', async (_name, args, message) => {
    const out = join(folder, `bad-${_name.replace(/\W+/g, '-')}.json`);
    const { code, stdout, stderr } = await runCli(['simulate', ...quick, '--json', out, '--no-report', ...args]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(lines[0]).not.toMatch(/\n\s+at /);
    expect(readdirSync(folder).filter((f) => f.startsWith('bad-') || f.includes('.tmp'))).toEqual([]);
  });

  it('prints the stack trace only with --verbose', async () => {
    const { code, stderr } = await runCli(['simulate', '--verbose', '--no-report', '--data', 'no-such-data']);
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toMatch(/^cohort: unknown data set "no-such-data"/);
    expect(stderr).toMatch(/\n\s+at /);
  });
});

describe('cohort simulate: a run', () => {
  it('writes the JSON result and the report atomically and prints the summary', async () => {
    const json = join(folder, 'run.json');
    const report = join(folder, 'run.html');
    const { code, stdout, stderr } = await runCli(['simulate', '--rounds', '3', '--workers', '0', '--json', json, '--report', report]);
    expect(stderr).toBe(''); // no progress bar when stderr is not a terminal
    expect(code).toBe(0);
    const result = JSON.parse(readFileSync(json, 'utf8'));
    expect(result.config).toMatchObject({ data: 'breast-cancer', clients: 5, rounds: 3, partition: 'dirichlet:0.5', strategy: 'fedavg' });
    expect(result.rounds).toHaveLength(3);
    expect(result.rounds[0]).toEqual(expect.objectContaining({ round: 1, accuracy: expect.any(Number), loss: expect.any(Number) }));
    expect(result.final).toEqual(expect.objectContaining({ accuracy: result.rounds[2].accuracy, loss: result.rounds[2].loss }));
    expect(result.centralized.accuracy).toBeGreaterThan(0.9);
    expect(result.partition.clients).toHaveLength(5);
    const html = readFileSync(report, 'utf8');
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).toContain('Chart.js v4');
    expect(stdout).toMatch(/federated \(round 3\)\s+\d+\.\d\d %/);
    expect(stdout).toMatch(/centralised \(6 epochs\)/); // 3 rounds × 2 local epochs
    expect(stdout).toMatch(/client-4\s+\d+/);
    expect(stdout).toContain(`report: ${report}`);
    expect(readdirSync(folder).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('cohort simulate as a real process', () => {
  const exec = promisify(execFile);
  // tsx by absolute URL: the process runs in a temporary folder, where a bare "tsx" would not resolve.
  const tsx = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
  const cli = ['--import', tsx, join(import.meta.dirname, '../../src/cli/main.ts')];

  it('exits 0 with the summary on stdout, and 2 with one line for a bad flag', async () => {
    const json = join(folder, 'process.json');
    const ok = await exec(process.execPath, [...cli, 'simulate', '--rounds', '2', '--workers', '1', '--no-report', '--json', json], { cwd: folder });
    expect(ok.stdout).toMatch(/federated \(round 2\)/);
    expect(JSON.parse(readFileSync(json, 'utf8')).rounds).toHaveLength(2);
    const bad = await exec(process.execPath, [...cli, 'simulate', '--partition', 'dirichlet:0'], { cwd: folder }).catch((error: { code: number; stderr: string }) => error);
    expect((bad as { code: number }).code).toBe(2);
    expect((bad as { stderr: string }).stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^cohort: --partition must be .*\(got "dirichlet:0"\)$/)]);
    expect(readdirSync(folder)).not.toContain('cohort-report.html');
  });
});
