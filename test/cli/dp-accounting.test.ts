import { afterEach, describe, expect, it, vi } from 'vitest';
import { rdpEpsilon } from '../../src/dp/accountants/rdp.js';
import { runCli } from './run-cli.js';


afterEach(() => {
  vi.restoreAllMocks();
});

const OPACUS = ['--sample-rate', '0.04', '--noise-multiplier', '1.5', '--steps', '2250', '--delta', '1e-5'];

describe('cohort dp epsilon', () => {
  it('prints Opacus’s known answer as JSON with the optimal order', async () => {
    const { code, stdout, stderr } = await runCli(['dp', 'epsilon', ...OPACUS, '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { epsilon: number; accountant: string; optimalOrder: number };
    expect(Math.abs(result.epsilon - 7.32911117143) / 7.32911117143).toBeLessThan(1e-6);
    expect(result.accountant).toBe('rdp');
    expect(result.optimalOrder).toBe(3.9);
  });

  it('prints one human line without --json', async () => {
    const { code, stdout } = await runCli(['dp', 'epsilon', ...OPACUS]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^epsilon = 7\.329111 at delta = 0\.00001 \(RDP, optimal order 3\.9; 2250 steps/);
    expect(stdout.trim().split('\n')).toHaveLength(1);
  });

  it('uses the PLD accountant on request, which is tighter', async () => {
    const { code, stdout } = await runCli(['dp', 'epsilon', ...OPACUS, '--accountant', 'pld', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { epsilon: number; accountant: string };
    expect(result.accountant).toBe('pld');
    expect(result.epsilon).toBeLessThan(7.32911117143);
    expect(result.epsilon).toBeGreaterThan(6);
  });

  it.each([
    [['--sample-rate', '0'], '--sample-rate', '"0"'],
    [['--sample-rate', '1.5'], '--sample-rate', '"1.5"'],
    [['--noise-multiplier', '0'], '--noise-multiplier', '"0"'],
    [['--noise-multiplier', '-1'], '--noise-multiplier', '"-1"'],
    [['--delta', '1'], '--delta', '"1"'],
    [['--delta', '0'], '--delta', '"0"'],
    [['--steps', '0'], '--steps', '"0"'],
    [['--steps', '2.5'], '--steps', '"2.5"'],
    [['--accountant', 'gdp'], '--accountant', '"gdp"'],
  ])('exits 2 with one line naming the flag for %j', async (override, flag, value) => {
    const argv = [...OPACUS];
    for (let i = 0; i < override.length; i += 2) {
      const at = argv.indexOf(override[i] as string);
      if (at >= 0) argv[at + 1] = override[i + 1] as string;
      else argv.push(override[i] as string, override[i + 1] as string);
    }
    const { code, stdout, stderr } = await runCli(['dp', 'epsilon', ...argv]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(flag);
    expect(stderr).toContain(value);
  });

  it('exits 2 when a required flag is missing', async () => {
    const { code, stderr } = await runCli(['dp', 'epsilon', '--sample-rate', '0.1', '--noise-multiplier', '1', '--steps', '10']);
    expect(code).toBe(2);
    expect(stderr).toContain('--delta');
  });
});

describe('cohort dp noise', () => {
  it('returns a noise multiplier whose achieved ε is ≤ the target (Opacus’s calibration setting)', async () => {
    const { code, stdout } = await runCli(['dp', 'noise', '--target-epsilon', '8', '--sample-rate', '0.04', '--steps', '2250', '--delta', '1e-5', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { noiseMultiplier: number; epsilon: number };
    expect(Object.keys(result)).toEqual(['noiseMultiplier', 'epsilon']);
    expect(result.epsilon).toBeLessThanOrEqual(8);
    expect(Math.abs(result.noiseMultiplier - 1.416)).toBeLessThan(2e-3);
    expect(rdpEpsilon({ noiseMultiplier: result.noiseMultiplier, sampleRate: 0.04, steps: 2250, delta: 1e-5 }).epsilon).toBe(result.epsilon);
  });

  it('prints a human line without --json', async () => {
    const { code, stdout } = await runCli(['dp', 'noise', '--target-epsilon', '3', '--sample-rate', '0.01', '--steps', '1000', '--delta', '1e-5']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^noise multiplier = [\d.]+ gives epsilon = [\d.]+ ≤ 3 at delta = 0\.00001 \(RDP/);
  });

  it('exits 2 naming --target-epsilon when the target is unreachable', async () => {
    const { code, stdout, stderr } = await runCli(['dp', 'noise', '--target-epsilon', '1e-4', '--sample-rate', '1', '--steps', '1000', '--delta', '1e-5']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^cohort: --target-epsilon 0\.0001 cannot be reached/);
  });

  it('exits 2 on a non-positive target', async () => {
    const { code, stderr } = await runCli(['dp', 'noise', '--target-epsilon', '0', '--sample-rate', '0.1', '--steps', '10', '--delta', '1e-5']);
    expect(code).toBe(2);
    expect(stderr).toContain('--target-epsilon');
  });
});

describe('cohort dp gaussian', () => {
  it('analytic calibration: Δ = 1, ε = 1, δ = 1e-5 → σ = 3.730632 (issue 3; Balle & Wang 2018)', async () => {
    const { code, stdout } = await runCli(['dp', 'gaussian', '--epsilon', '1', '--delta', '1e-5', '--analytic', '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { sigma: number }).sigma).toBeCloseTo(3.730632, 5);
  });

  it('classic calibration scales with the sensitivity: σ = Δ·√(2 ln(1.25/δ))/ε', async () => {
    const { code, stdout } = await runCli(['dp', 'gaussian', '--epsilon', '0.5', '--delta', '1e-5', '--sensitivity', '2', '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { sigma: number }).sigma).toBeCloseTo((2 * Math.sqrt(2 * Math.log(1.25e5))) / 0.5, 10);
    const human = await runCli(['dp', 'gaussian', '--epsilon', '0.5', '--delta', '1e-5']);
    expect(human.stdout).toMatch(/^sigma = [\d.]+ for epsilon = 0\.5, delta = 0\.00001, sensitivity 1 \(classic/);
  });

  it('exits 2 naming --epsilon when the classic formula does not apply (ε ≥ 1)', async () => {
    const { code, stderr } = await runCli(['dp', 'gaussian', '--epsilon', '2', '--delta', '1e-5']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^cohort: --epsilon must be below 1/);
  });

  it('exits 2 on a bad sensitivity or delta', async () => {
    expect((await runCli(['dp', 'gaussian', '--epsilon', '1', '--delta', '1e-5', '--sensitivity', '0', '--analytic'])).code).toBe(2);
    const { code, stderr } = await runCli(['dp', 'gaussian', '--epsilon', '1', '--delta', '2', '--analytic']);
    expect(code).toBe(2);
    expect(stderr).toContain('--delta');
  });
});
