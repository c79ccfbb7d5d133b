import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SimulationResult } from '../../src/fl/simulation/result.js';
import { runCli } from './run-cli.js';

const folder = mkdtempSync(join(tmpdir(), 'cohort-simulate-dp-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

// Breast cancer, 5 hospitals, in-process, no baseline: a few rounds take about a second.
const quick = ['--rounds', '5', '--workers', '0', '--no-centralized', '--no-report'];
const userDp = ['--dp', 'user', '--delta', '0.001', '--clip', '0.5'];

let runs = 0;

async function simulateJson(args: string[]): Promise<{ result: SimulationResult; stdout: string }> {
  const out = join(folder, `run-${++runs}.json`);
  const { code, stdout, stderr } = await runCli(['simulate', ...quick, '--json', out, ...args]);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return { result: JSON.parse(readFileSync(out, 'utf8')) as SimulationResult, stdout };
}

async function dpEpsilon(sampleRate: number, noiseMultiplier: number, steps: number, delta: number, accountant: string): Promise<number> {
  const { code, stdout } = await runCli([
    'dp',
    'epsilon',
    '--sample-rate',
    String(sampleRate),
    '--noise-multiplier',
    String(noiseMultiplier),
    '--steps',
    String(steps),
    '--delta',
    String(delta),
    '--accountant',
    accountant,
    '--json',
  ]);
  expect(code).toBe(0);
  return (JSON.parse(stdout) as { epsilon: number }).epsilon;
}

describe('cohort simulate --dp user', () => {
  it.each(['rdp', 'pld'])('reports ε (total and per round) equal to `cohort dp epsilon` for the same (q, σ, steps, δ) — %s', async (accountant) => {
    const { result, stdout } = await simulateJson([...userDp, '--target-epsilon', '6', '--fraction', '0.8', '--accountant', accountant]);
    const privacy = result.privacy!;
    expect(privacy).toMatchObject({ level: 'user', accountant, delta: 0.001, sampleRate: 0.8, rounds: 5, budgetEpsilon: 6 });
    expect(privacy.epsilon).toBeLessThanOrEqual(6);
    expect(privacy.epsilon).toBe(await dpEpsilon(0.8, privacy.noiseMultiplier, 5, 0.001, accountant));
    expect(result.rounds[1]!.epsilon).toBe(await dpEpsilon(0.8, privacy.noiseMultiplier, 2, 0.001, accountant));
    expect(stdout).toMatch(new RegExp(`privacy: user-level DP \\(DP-FedAvg\\), ε = [\\d.]+ at δ = 0.001 \\(${accountant.toUpperCase()}\\), budget ε = 6`));
  });

  it('stops when the budget is spent, with the model so far, and says so', async () => {
    const { result, stdout } = await simulateJson([...userDp, '--noise-multiplier', '2', '--target-epsilon', '3', '--rounds', '10']);
    const privacy = result.privacy!;
    const run = result.rounds.length;
    expect(run).toBeGreaterThan(0);
    expect(run).toBeLessThan(10);
    expect(privacy.stoppedEarly?.round).toBe(run + 1);
    expect(privacy.epsilon).toBeLessThanOrEqual(3);
    expect(await dpEpsilon(1, 2, run + 1, 0.001, 'rdp')).toBeGreaterThan(3);
    expect(stdout).toContain(`stopped early: the privacy budget allowed ${run} of 10 rounds; round ${run + 1} would take client-0 to ε =`);
  });

  it('writes the privacy section into the HTML report (ε per round, settings, early stop)', async () => {
    const report = join(folder, 'dp-report.html');
    const { code } = await runCli(['simulate', '--rounds', '10', '--workers', '0', '--no-centralized', '--report', report, ...userDp, '--noise-multiplier', '2', '--target-epsilon', '3']);
    expect(code).toBe(0);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('<section id="privacy">');
    expect(html).toContain('<canvas id="epsilon-chart"');
    expect(html).toMatch(/<strong>Stopped early:<\/strong> the privacy budget allowed \d of 10 rounds\. Round \d+ would take client-0 to ε/);
    expect(html).toContain('<td>protects</td><td>each client&#39;s entire data (user-level DP, add/remove one client), 5 clients</td>');
    expect(html).toContain('--dp user --target-epsilon 3 --noise-multiplier 2 --delta 0.001 --clip 0.5 --accountant rdp');
    const embedded = JSON.parse(/<script type="application\/json" id="cohort-result">([\s\S]*?)<\/script>/.exec(html)![1]!) as SimulationResult;
    expect(embedded.privacy?.budgetEpsilon).toBe(3);
    expect(embedded.rounds.every((round) => typeof round.epsilon === 'number')).toBe(true);
  });

  it('--ledger keeps the spends in SQLite across runs: a second run cannot pay δ again and runs nothing', async () => {
    const ledger = join(folder, 'ledger.sqlite');
    const first = await simulateJson([...userDp, '--target-epsilon', '4', '--ledger', ledger]);
    expect(existsSync(ledger)).toBe(true);
    expect(first.result.privacy?.ledger).toBe(ledger);
    expect(first.stdout).toContain(`spends recorded in ${ledger}`);
    const second = await simulateJson([...userDp, '--target-epsilon', '4', '--ledger', ledger]);
    expect(second.result.rounds).toHaveLength(0);
    expect(second.stdout).toMatch(/stopped early: the privacy budget allowed 0 of 5 rounds; round 1 refused by the privacy ledger: privacy budget exceeded for owner "client-0"/);
  });
});

describe('cohort simulate --dp sample', () => {
  it('reports each hospital’s ε equal to `cohort dp epsilon` for its (q, σ, steps, δ); the run’s ε is the largest', async () => {
    const { result, stdout } = await simulateJson(['--dp', 'sample', '--target-epsilon', '1', '--delta', '0.00001', '--clip', '1', '--local-epochs', '1']);
    const privacy = result.privacy!;
    expect(privacy.owners).toHaveLength(5);
    for (const owner of privacy.owners) {
      expect(owner.epsilon).toBe(await dpEpsilon(owner.sampleRate, owner.noiseMultiplier, owner.steps, 0.00001, 'rdp'));
      expect(owner.epsilon).toBeLessThanOrEqual(1);
    }
    expect(privacy.epsilon).toBe(Math.max(...privacy.owners.map((owner) => owner.epsilon)));
    expect(result.rounds[4]!.epsilon).toBe(privacy.epsilon);
    expect(stdout).toContain('privacy: sample-level DP (DP-SGD on every client), ε = ');
  });

  it('with --fraction 0.4 each hospital’s ε is `cohort dp epsilon` for the steps it actually trained', async () => {
    const accountant = 'rdp';
    const { result } = await simulateJson(['--dp', 'sample', '--noise-multiplier', '1.2', '--delta', '0.00001', '--clip', '1', '--local-epochs', '1', '--fraction', '0.4', '--accountant', accountant]);
    const privacy = result.privacy!;
    expect(privacy.owners.reduce((sum, owner) => sum + owner.rounds, 0)).toBe(5 * 2);
    for (const owner of privacy.owners) {
      expect(owner.rounds).toBe(result.rounds.filter((round) => round.participants.includes(owner.owner)).length);
      expect(owner.epsilon).toBe(owner.steps === 0 ? 0 : await dpEpsilon(owner.sampleRate, 1.2, owner.steps, 0.00001, accountant));
    }
    expect(privacy.epsilon).toBe(Math.max(...privacy.owners.map((owner) => owner.epsilon)));
  });
});

describe('cohort simulate --dp: bad input → exit 2 and one line naming the flag and value', () => {
  const cases: [string, string[], RegExp][] = [
    ['clip 0', ['--dp', 'user', '--target-epsilon', '1', '--delta', '0.001', '--clip', '0'], /^cohort: --clip must be greater than 0 \(got "0"\)$/],
    ['clip < 0', ['--dp', 'user', '--target-epsilon', '1', '--delta', '0.001', '--clip', '-2'], /^cohort: --clip must be greater than 0 \(got "-2"\)$/],
    ['δ ≥ 1/clients (user)', ['--dp', 'user', '--target-epsilon', '1', '--delta', '0.3', '--clip', '1'], /^cohort: --delta 0.3 must be below 1\/n = 0.2 for user-level DP \(n = 5 clients\)/],
    ['δ ≥ 1/examples (sample)', ['--dp', 'sample', '--target-epsilon', '1', '--delta', '0.1', '--clip', '1'], /^cohort: --delta 0.1 must be below 1\/n = [\d.]+ for sample-level DP \(n = \d+ examples, the smallest client's data\)/],
    ['δ ≥ 1', ['--dp', 'user', '--target-epsilon', '1', '--delta', '1', '--clip', '1'], /^cohort: --delta must be less than 1 \(got "1"\)$/],
    ['unreachable target ε', ['--dp', 'user', '--target-epsilon', '0.000001', '--delta', '0.00001', '--clip', '1'], /^cohort: --target-epsilon 0.000001 cannot be reached with 5 rounds at client sampling rate 1 at --delta 0.00001/],
    ['no budget', ['--dp', 'user', '--delta', '0.001', '--clip', '1'], /^cohort: --dp user needs --target-epsilon E or --noise-multiplier S$/],
    ['no delta', ['--dp', 'user', '--target-epsilon', '1', '--clip', '1'], /^cohort: --dp user needs --delta D/],
    ['no clip', ['--dp', 'sample', '--target-epsilon', '1', '--delta', '0.001'], /^cohort: --dp sample needs --clip C/],
    ['DP flag without --dp', ['--target-epsilon', '1'], /^cohort: --target-epsilon needs --dp sample or --dp user$/],
    ['unknown level', ['--dp', 'record'], /^cohort: --dp must be one of sample, user, distributed \(got "record"\)$/],
    ['adaptive clipping at sample level', ['--dp', 'sample', '--target-epsilon', '1', '--delta', '0.001', '--clip', '1', '--adaptive-clip'], /^cohort: --adaptive-clip works with --dp user only/],
    ['adaptive clipping with 5 clients', ['--dp', 'user', '--target-epsilon', '1', '--delta', '0.001', '--clip', '1', '--adaptive-clip'], /^cohort: --adaptive-clip cannot be used with 5 clients at noise multiplier [\d.]+/],
    ['unknown accountant', ['--dp', 'user', '--target-epsilon', '1', '--delta', '0.001', '--clip', '1', '--accountant', 'moments'], /^cohort: --accountant must be one of rdp, pld \(got "moments"\)$/],
    ['server optimiser under user-level DP', ['--dp', 'user', '--target-epsilon', '1', '--delta', '0.001', '--clip', '1', '--strategy', 'fedadam'], /^cohort: --strategy fedadam cannot be used with --dp user/],
    ['ledger folder missing', ['--dp', 'user', '--target-epsilon', '1', '--delta', '0.001', '--clip', '1', '--ledger', join(folder, 'nope', 'l.sqlite')], /^cohort: --ledger ".*l\.sqlite": folder ".*nope" does not exist$/],
  ];

  it.each(cases)('%s', async (_name, args, message) => {
    const out = join(folder, `bad-${_name.replace(/\W+/g, '-')}.json`);
    const { code, stdout, stderr } = await runCli(['simulate', ...quick, '--json', out, ...args]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(readdirSync(folder).filter((f) => f.startsWith('bad-'))).toEqual([]);
  });
});
