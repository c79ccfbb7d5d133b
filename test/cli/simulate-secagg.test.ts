import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const quick = ['--clients', '4', '--rounds', '2', '--workers', '0', '--no-centralized', '--no-report'];

describe('cohort simulate --secure-aggregation', () => {
  it('runs SecAgg+ and says so in the summary', async () => {
    const run = await runCli(['simulate', '--secure-aggregation', '--secagg-neighbours', '2', '--secagg-threshold', '2', '--secagg-update-range', '0.5', ...quick]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/FedAvg\+SecAgg\+\(k=2, t=2\)/);
  }, 60_000);

  it.each([
    [['--secagg-threshold', '3'], /--secagg-threshold needs --secure-aggregation/],
    [['--secure-aggregation', '--secagg-threshold', '4'], /--secagg-threshold 4 must be at most the default --secagg-neighbours 3/],
    [['--secure-aggregation', '--secagg-neighbours', '2', '--secagg-threshold', '3'], /--secagg-threshold 3 must be at most --secagg-neighbours 2/],
    [['--secure-aggregation', '--secagg-neighbours', '2', '--secagg-threshold', '1'], /--secagg-threshold 1 must be more than half of --secagg-neighbours 2/],
    [['--secure-aggregation', '--secagg-neighbours', '4'], /--secagg-neighbours 4 must be below the 4 clients per round/],
    [['--secure-aggregation', '--secagg-neighbours', '1'], /--secagg-neighbours 1 must be even/],
    [['--secure-aggregation', '--secagg-neighbours', 'two'], /--secagg-neighbours must be an integer \(got "two"\)/],
    [['--secure-aggregation', '--secagg-update-range', '0'], /--secagg-update-range must be greater than 0 \(got "0"\)/],
    [['--secure-aggregation', '--aggregation', 'paillier'], /--secure-aggregation cannot be combined with --aggregation paillier/],
    [['--secure-aggregation', '--dp', 'user', '--noise-multiplier', '1', '--delta', '1e-5', '--clip', '1'], /--secure-aggregation cannot be combined with --dp user/],
    [['--secure-aggregation', '--strategy', 'fedavgm'], /--strategy fedavgm cannot be used with --secure-aggregation/],
  ])('refuses %j with exit 2 and one line naming the flag', async (flags, message) => {
    const run = await runCli(['simulate', ...quick, ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toBe('');
  });
});
