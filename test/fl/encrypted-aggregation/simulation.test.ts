import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../../src/fl/index.js';
import { runCli } from '../../cli/run-cli.js';

const small = { clients: 3, rounds: 3, workers: 0, centralized: false, seed: 11 } as const;

describe('simulate with --aggregation paillier', () => {
  it('learns like FedAvg: same final weights up to the quantisation error, same accuracy', async () => {
    const plain = await runSimulation(small);
    const encrypted = await runSimulation({ ...small, aggregation: 'paillier', paillier: { keyBits: 512, updateRange: 1 } });
    expect(encrypted.result.strategy).toBe('FedAvg+Paillier(2-of-3)');
    let largest = 0;
    for (let i = 0; i < plain.weights.length; i++) largest = Math.max(largest, Math.abs(plain.weights[i]! - encrypted.weights[i]!));
    // 3 rounds × 2^−(f+1) (f ≈ 20 for ≤ 400 examples) plus float32 rounding and its effect on training.
    expect(largest).toBeLessThan(1e-4);
    expect(Math.abs(encrypted.result.final.accuracy - plain.result.final.accuracy)).toBeLessThanOrEqual(1 / 114 + 1e-9);
    expect(encrypted.result.final.accuracy).toBeGreaterThan(0.9);
  }, 60_000);

  it('refuses user-level DP (the server would need each update to clip and check it)', async () => {
    await expect(
      runSimulation({ ...small, aggregation: 'paillier', paillier: { keyBits: 512 }, dp: { level: 'user', noiseMultiplier: 1, delta: 1e-5, clippingNorm: 1, adaptiveClipping: false, accountant: 'rdp' } }),
    ).rejects.toThrow(/needs the individual client updates/);
  }, 60_000);

  it('runs from the command line', async () => {
    const run = await runCli(['simulate', '--aggregation', 'paillier', '--paillier-bits', '512', '--clients', '3', '--rounds', '2', '--workers', '0', '--no-centralized', '--no-report']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Paillier\(2-of-3\)/);
    const bad = await runCli(['simulate', '--aggregation', 'homomorphic', '--no-report']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--aggregation must be one of mean, paillier/);
  }, 60_000);
});
