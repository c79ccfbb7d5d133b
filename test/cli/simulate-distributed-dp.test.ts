import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const quick = ['--clients', '6', '--rounds', '2', '--partition', 'iid', '--workers', '0', '--no-centralized', '--no-report'];
const dp = ['--dp', 'distributed', '--target-epsilon', '8', '--delta', '1e-5', '--clip', '0.5'];

describe('cohort simulate --dp distributed', () => {
  it('runs the distributed discrete Gaussian under SecAgg+ and reports the user-level ε it spent', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cohort-ddg-')), 'run.json');
    const run = await runCli(['simulate', '--secure-aggregation', ...dp, ...quick, '--json', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/privacy: user-level DP \(distributed discrete Gaussian: each client adds its share of the noise, at least \d+ shares in every sum\), ε = 7\.99\d* at δ = 0\.00001 \(RDP\), budget ε = 8/);
    expect(run.stdout).toMatch(/encoder distributed-discrete-gaussian/);
    const result = JSON.parse(readFileSync(out, 'utf8'));
    expect(result.config.dp).toMatchObject({ level: 'distributed', targetEpsilon: 8, delta: 1e-5, clippingNorm: 0.5 });
    expect(result.privacy).toMatchObject({ level: 'user', mechanism: 'distributed-discrete-gaussian', accountant: 'rdp', delta: 1e-5 });
    expect(result.privacy.epsilon).toBeLessThanOrEqual(8);
    expect(result.rounds.map((round: { epsilon: number }) => round.epsilon)).toHaveLength(2);
    expect(result.rounds[1].epsilon).toBe(result.privacy.epsilon);
  }, 60_000);

  it.each([
    [[...dp], /--dp distributed needs --secure-aggregation/],
    [['--secure-aggregation', ...dp, '--accountant', 'pld'], /--accountant pld cannot account --dp distributed/],
    [['--secure-aggregation', ...dp, '--adaptive-clip'], /--adaptive-clip works with --dp user only/],
    [['--secure-aggregation', '--dp', 'distributed', '--delta', '1e-5', '--clip', '1'], /--dp distributed needs --target-epsilon E or --noise-multiplier S/],
  ])('refuses %j with exit 2 and one line naming the flags', async (flags, message) => {
    const run = await runCli(['simulate', ...quick, ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toBe('');
  });
});
