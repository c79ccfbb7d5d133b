// `cohort server --dp …` and `cohort client --max-epsilon …`: bad input exits 2 with one line naming
// the flag and value, before any connection is made; (slow) a server and two client processes run
// sample-level DP end to end and agree on each owner's ε.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrivacySummary } from '../../src/fl/simulation/privacy-config.js';
import { subsampledGaussianEpsilon } from '../../src/fl/dp/index.js';
import { datasetToCsv } from '../fl/network/split.js';
import { addClient, cohort, type Running, stopAll } from '../fl/network/processes.js';
import { blobs } from '../ml/helpers.js';
import { runCli } from './run-cli.js';

const folder = mkdtempSync(join(tmpdir(), 'cohort-network-dp-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const serverBase = ['server', '--port', '0', '--num-features', '4', '--classes', 'a,b', '--rounds', '10'];
let registered = '';
let empty = '';
beforeAll(async () => {
  registered = join(folder, 'three-clients.db');
  for (const name of ['h0', 'h1', 'h2']) expect((await runCli(['server', 'add-client', name, '--db', registered])).code).toBe(0);
  empty = join(folder, 'no-clients.db');
}, 60_000);

async function expectExit2(args: string[], message: RegExp): Promise<void> {
  const { code, stdout, stderr } = await runCli(args);
  expect(code).toBe(2);
  expect(stdout).toBe('');
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
}

describe('cohort server --dp: bad input → exit 2 naming the flag and value', () => {
  const sample = ['--dp', 'sample', '--noise-multiplier', '1', '--delta', '0.00001', '--clip', '1'];
  const user = ['--dp', 'user', '--noise-multiplier', '1', '--delta', '0.001', '--clip', '1'];
  const cases: [string, () => string[], RegExp][] = [
    ['clip 0', () => ['--db', registered, '--dp', 'sample', '--noise-multiplier', '1', '--delta', '0.00001', '--clip', '0'], /^cohort: --clip must be greater than 0 \(got "0"\)$/],
    ['DP flag without --dp', () => ['--db', registered, '--target-epsilon', '1'], /^cohort: --target-epsilon needs --dp sample or --dp user$/],
    ['no budget', () => ['--db', registered, '--dp', 'user', '--delta', '0.001', '--clip', '1'], /^cohort: --dp user needs --target-epsilon E or --noise-multiplier S$/],
    ['δ ≥ 1', () => ['--db', registered, ...sample.slice(0, 4), '--delta', '1', '--clip', '1'], /^cohort: --delta must be less than 1 \(got "1"\)$/],
    ['with --enforce-budgets', () => ['--db', registered, ...sample, '--enforce-budgets'], /^cohort: --enforce-budgets charges the ε that clients report; with --dp the server accounts/],
    ['with federated evaluation', () => ['--db', registered, ...sample, '--fraction-evaluate', '0.5'], /^cohort: --fraction-evaluate 0.5 cannot be used with --dp: federated evaluation/],
    ['user level, δ ≥ 1/clients', () => ['--db', registered, ...user.slice(0, 4), '--delta', '0.5', '--clip', '1'], /^cohort: --delta 0.5 must be below 1\/n = 0.3333333333333333 for user-level DP \(n = 3 clients\)/],
    ['user level, no registered clients', () => ['--db', empty, ...user], /^cohort: --dp user needs the federation's clients registered first \(cohort server add-client NAME\)/],
    ['unreachable target ε', () => ['--db', registered, '--dp', 'user', '--target-epsilon', '0.000001', '--delta', '0.00001', '--clip', '1'], /^cohort: --target-epsilon 0.000001 cannot be reached with 10 rounds at client sampling rate 1 at --delta 0.00001/],
    ['adaptive clipping with 3 clients', () => ['--db', registered, ...user, '--adaptive-clip'], /^cohort: --adaptive-clip cannot be used with 3 clients at noise multiplier 1/],
    ['FedProx at sample level', () => ['--db', registered, ...sample, '--strategy', 'fedprox:0.1'], /^cohort: --strategy fedprox:0.1 cannot be used with --dp sample/],
    ['a server optimiser at user level', () => ['--db', registered, ...user, '--strategy', 'fedadam'], /^cohort: --strategy fedadam cannot be used with --dp user/],
    ['distributed DP (simulation only)', () => ['--db', registered, '--dp', 'distributed', '--noise-multiplier', '1', '--delta', '0.001', '--clip', '1'], /^cohort: --dp distributed runs in `cohort simulate --secure-aggregation` only/],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    await expectExit2([...serverBase, ...args()], message);
  }, 30_000);
});

describe('cohort client --max-epsilon: bad input → exit 2 naming the flag and value', () => {
  const clientBase = ['client', '--server', 'ws://127.0.0.1:9/ws', '--data', 'breast-cancer', '--token', 'h0.a-long-enough-secret-token-value', '--max-attempts', '1'];
  const cases: [string, () => string[], RegExp][] = [
    ['--max-epsilon without --delta', () => ['--max-epsilon', '1'], /^cohort: --max-epsilon needs --delta D/],
    ['--delta alone', () => ['--delta', '0.00001'], /^cohort: --delta needs --max-epsilon E \(or --ledger FILE holding this owner's budget\)$/],
    ['--accountant alone', () => ['--accountant', 'pld'], /^cohort: --accountant needs --max-epsilon E/],
    ['--max-epsilon 0', () => ['--max-epsilon', '0', '--delta', '0.00001'], /^cohort: --max-epsilon must be greater than 0 \(got "0"\)$/],
    ['δ ≥ 1/n', () => ['--max-epsilon', '1', '--delta', '0.01'], /^cohort: --delta 0.01 must be below 1\/n = [\d.]+ for sample-level DP \(n = 569 examples, this client's data\)/],
    ['a ledger file without a budget', () => ['--ledger', join(folder, 'client-ledger.sqlite')], /^cohort: --ledger ".*client-ledger\.sqlite" holds no budget for "h0"; give --max-epsilon E --delta D$/],
    ['unknown accountant', () => ['--max-epsilon', '1', '--delta', '0.00001', '--accountant', 'moments'], /^cohort: --accountant must be one of rdp, pld \(got "moments"\)$/],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    await expectExit2([...clientBase, ...args()], message);
  }, 30_000);
});

describe.skipIf(!process.env.COHORT_SLOW)('cohort server --dp sample with two cohort client processes', () => {
  const running: Running[] = [];
  afterAll(() => stopAll(running));

  it('the clients train with DP-SGD; the server’s ε per owner equals each client’s own account and `cohort dp epsilon`', async () => {
    const db = join(folder, 'e2e.db');
    const tokens = ['h0', 'h1'].map((name) => addClient(db, name));
    const files = [0, 1].map((k) => {
      const file = join(folder, `h${k}.csv`);
      writeFileSync(file, datasetToCsv({ ...blobs(40 + 20 * k, 4, 3, 5 + k), classNames: ['a', 'b'] }));
      return file;
    });
    const server = cohort(['server', '--port', '0', '--num-features', '4', '--classes', 'a,b', '--db', db, '--rounds', '3', '--min-clients', '2', '--batch-size', '10', '--local-epochs', '1', '--heartbeat', '0', '--dp', 'sample', '--noise-multiplier', '1.1', '--delta', '0.00001', '--clip', '1']);
    running.push(server);
    const [, url] = await server.waitFor(/listening on (ws:\/\/\S+)/, 60_000);
    const clients = files.map((file, k) => cohort(['client', '--server', url as string, '--data', `csv:${file}`, '--label', 'label', '--token', tokens[k] as string, '--max-epsilon', '20', '--delta', '0.00001']));
    running.push(...clients);
    expect(await server.exited).toBe(0);
    expect(await Promise.all(clients.map((client) => client.exited))).toEqual([0, 0]);
    const result = JSON.parse(server.stdout) as { rounds: number; privacy: PrivacySummary };
    expect(result.rounds).toBe(3);
    expect(result.privacy).toMatchObject({ level: 'sample', accountant: 'rdp', delta: 0.00001, rounds: 3, ledger: db });
    for (const [k, client] of clients.entries()) {
      const own = JSON.parse(client.stdout) as { fits: number; privacy: { epsilon: number; steps: number } };
      const owner = result.privacy.owners.find((o) => o.owner === `h${k}`)!;
      expect(owner.rounds).toBe(3);
      expect(own.fits).toBe(3);
      expect(own.privacy.steps).toBe(owner.steps);
      const expected = subsampledGaussianEpsilon({ noiseMultiplier: 1.1, sampleRate: 10 / (40 + 20 * k), steps: owner.steps }, 1e-5, 'rdp');
      expect(owner.epsilon).toBe(expected);
      expect(own.privacy.epsilon).toBe(expected);
    }
  }, 180_000);
});
