import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SeededRandom } from '../../../src/crypto/random.js';
import { CohortError } from '../../../src/errors.js';
import {
  discreteGaussianMechanism,
  discreteLaplaceMechanism,
  exponentialMechanism,
  gaussianMechanism,
  gridSensitivity,
  laplaceMechanism,
  permuteAndFlip,
  reportNoisyMax,
} from '../../../src/dp/mechanisms/index.js';
import { discreteLaplaceVariance } from '../../../src/dp/samplers/index.js';
import { chiSquare } from '../samplers/goodness-of-fit.js';

// Statistical checks: fixed seeds, false-alarm rate 1e-4 each (z-tests at |z| < 3.89, chi-square
// at the 1 − 1e-4 quantile).
const Z_LIMIT = 3.89;
const ALPHA = 0.0001;

function moments(xs: number[]): { mean: number; variance: number; fourth: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  let m2 = 0;
  let m4 = 0;
  for (const x of xs) {
    m2 += (x - mean) ** 2;
    m4 += (x - mean) ** 4;
  }
  return { mean, variance: m2 / n, fourth: m4 / n };
}

describe('Laplace mechanism (grid + exact discrete Laplace)', () => {
  it('releases on the grid with the declared guarantee', () => {
    const r = laplaceMechanism({ value: 10.3, sensitivity: 0.3, epsilon: 0.5, rng: new SeededRandom(1) });
    const g = r.guarantee;
    expect(g).toMatchObject({ mechanism: 'laplace', epsilon: 0.5, delta: 0, sensitivity: 0.3, granularity: 2 ** -12 });
    expect(Number.isInteger(r.value / 2 ** -12)).toBe(true);
    // S = ⌈0.3 / 2^-12⌉ = 1229 steps; effective sensitivity within one step of Δ.
    expect(g.effectiveSensitivity).toBe(1229 * 2 ** -12);
    expect(g.effectiveSensitivity! - 0.3).toBeLessThan(2 ** -12);
    expect(g.noise).toEqual({ distribution: 'discrete-laplace', scale: (1229 * 2 ** -12) / 0.5 });
  });

  it('adds noise of the Laplace(Δ/ε) spread (scale check)', () => {
    const rng = new SeededRandom(11);
    const xs: number[] = [];
    for (let i = 0; i < 20000; i++) xs.push(laplaceMechanism({ value: 5, sensitivity: 1, epsilon: 0.5, rng }).value - 5);
    const { mean, variance, fourth } = moments(xs);
    const gamma = 2 ** -10;
    const expected = discreteLaplaceVariance(1024 / 0.5) * gamma * gamma; // ≈ 2·(Δ/ε)² = 8
    expect(expected).toBeCloseTo(8, 4);
    expect(Math.abs(mean) / Math.sqrt(expected / xs.length)).toBeLessThan(Z_LIMIT);
    expect(Math.abs(variance - expected) / Math.sqrt((fourth - variance ** 2) / xs.length)).toBeLessThan(Z_LIMIT);
  });

  it('does not leak low bits: values rounding to the same grid point give identical outputs', () => {
    const a = laplaceMechanism({ value: 1 + 1e-9, sensitivity: 1, epsilon: 1, rng: new SeededRandom(5) });
    const b = laplaceMechanism({ value: 1 + 3e-9, sensitivity: 1, epsilon: 1, rng: new SeededRandom(5) });
    expect(a.value).toBe(b.value);
  });

  it('validates its inputs', () => {
    const rng = new SeededRandom(1);
    expect(() => laplaceMechanism({ value: 1, sensitivity: 0, epsilon: 1, rng })).toThrow(/sensitivity must be a positive/);
    expect(() => laplaceMechanism({ value: 1, sensitivity: 1, epsilon: -1, rng })).toThrow(/epsilon must be/);
    expect(() => laplaceMechanism({ value: Number.NaN, sensitivity: 1, epsilon: 1, rng })).toThrow(/value must be a finite/);
    expect(() => laplaceMechanism({ value: 1, sensitivity: 1, epsilon: 1, granularity: 0.3, rng })).toThrow(/granularity must be a power of two/);
    expect(() => laplaceMechanism({ value: 1e300, sensitivity: 1, epsilon: 1, rng })).toThrow(/too large for granularity/);
  });

  it('computes grid sensitivity ⌈Δ/γ⌉', () => {
    expect(gridSensitivity(1, 2 ** -10)).toBe(1024);
    expect(gridSensitivity(0.3, 0.25)).toBe(2);
  });
});

describe('Gaussian mechanism (grid + exact discrete Gaussian)', () => {
  it('has σ ≈ the analytic σ and carries ρ', () => {
    const r = gaussianMechanism({ value: 0, sensitivity: 1, epsilon: 1, delta: 1e-5, rng: new SeededRandom(2) });
    expect(r.guarantee).toMatchObject({ mechanism: 'gaussian', epsilon: 1, delta: 1e-5, calibration: 'analytic', granularity: 2 ** -10 });
    expect(r.guarantee.noise?.standardDeviation).toBeCloseTo(3.730632, 4);
    expect(r.guarantee.rho).toBeCloseTo(1 / (2 * 3.730632 ** 2), 5);
  });

  it('adds noise of the declared standard deviation (scale check)', () => {
    const rng = new SeededRandom(12);
    const xs: number[] = [];
    let sd = 0;
    for (let i = 0; i < 20000; i++) {
      const r = gaussianMechanism({ value: -2.5, sensitivity: 2, epsilon: 0.5, delta: 1e-6, rng });
      sd = r.guarantee.noise!.standardDeviation!;
      xs.push(r.value + 2.5);
    }
    const { mean, variance } = moments(xs);
    const n = xs.length;
    expect(Math.abs(mean) / (sd / Math.sqrt(n))).toBeLessThan(Z_LIMIT);
    // var of the sample variance of a normal ≈ 2σ⁴/n.
    expect(Math.abs(variance - sd * sd) / (sd * sd * Math.sqrt(2 / n))).toBeLessThan(Z_LIMIT);
  });

  it('supports the classic calibration for ε < 1 only', () => {
    const r = gaussianMechanism({ value: 0, sensitivity: 1, epsilon: 0.5, delta: 1e-5, calibration: 'classic', rng: new SeededRandom(3) });
    expect(r.guarantee.calibration).toBe('classic');
    expect(r.guarantee.noise!.standardDeviation!).toBeCloseTo(9.689610525210778, 2);
    expect(() => gaussianMechanism({ value: 0, sensitivity: 1, epsilon: 2, delta: 1e-5, calibration: 'classic' })).toThrow(
      /epsilon must be below 1/,
    );
  });
});

describe('integer mechanisms', () => {
  it('discrete Laplace mechanism: integer output, ε-DP guarantee, scale S/ε', () => {
    const rng = new SeededRandom(4);
    const xs: number[] = [];
    for (let i = 0; i < 20000; i++) xs.push(discreteLaplaceMechanism({ value: 100, sensitivity: 2, epsilon: 0.5, rng }).value - 100);
    expect(xs.every((x) => Number.isInteger(x))).toBe(true);
    const { variance, fourth } = moments(xs);
    const expected = discreteLaplaceVariance(4);
    expect(Math.abs(variance - expected) / Math.sqrt((fourth - variance ** 2) / xs.length)).toBeLessThan(Z_LIMIT);
    expect(() => discreteLaplaceMechanism({ value: 1.5, sensitivity: 1, epsilon: 1, rng })).toThrow(/value must be a safe integer/);
    expect(() => discreteLaplaceMechanism({ value: 1, sensitivity: 0.5, epsilon: 1, rng })).toThrow(/sensitivity must be a positive integer/);
  });

  it('discrete Gaussian mechanism reports ρ and δ', () => {
    const r = discreteGaussianMechanism({ value: 7, sensitivity: 1, epsilon: 1, delta: 1e-5, rng: new SeededRandom(9) });
    expect(r.guarantee).toMatchObject({ mechanism: 'discrete-gaussian', epsilon: 1, delta: 1e-5, rho: 1 / 28 });
    expect(Number.isInteger(r.value)).toBe(true);
  });
});

describe('selection mechanisms', () => {
  function frequencies(draw: () => number, k: number, n: number): number[] {
    const counts = new Array<number>(k).fill(0);
    for (let i = 0; i < n; i++) counts[draw()]! += 1;
    return counts;
  }

  for (const [label, utilities, sensitivity, epsilon, monotonic] of [
    ['integers', [0, 1, 2, 3], 1, 1, false],
    ['non-dyadic doubles (bigint rationals)', [0.1, 0.7, -0.3, 1.9, 1.2], 0.7, 1.3, false],
    ['monotonic', [0, 1, 2, 3], 1, 1, true],
  ] as const) {
    it(`exponential mechanism frequencies ∝ exp(ε·u/(${monotonic ? '' : '2'}Δ)): ${label}`, () => {
      const rng = new SeededRandom(label.length);
      const n = 30000;
      const counts = frequencies(
        () => exponentialMechanism({ utilities: [...utilities], sensitivity, epsilon, monotonic, rng }).value,
        utilities.length,
        n,
      );
      const weights = utilities.map((u) => Math.exp((epsilon * u) / ((monotonic ? 1 : 2) * sensitivity)));
      const total = weights.reduce((a, b) => a + b, 0);
      const result = chiSquare(counts, weights.map((w) => w / total), ALPHA);
      expect(result.statistic, JSON.stringify({ counts, result })).toBeLessThan(result.critical);
    });
  }

  it('report-noisy-max with Gumbel noise has the exponential-mechanism distribution', () => {
    const rng = new SeededRandom(21);
    const utilities = [3, 1, 2];
    const counts = frequencies(() => reportNoisyMax({ utilities, sensitivity: 1, epsilon: 2, noise: 'gumbel', rng }).value, 3, 30000);
    const w = utilities.map((u) => Math.exp(u));
    const total = w.reduce((a, b) => a + b, 0);
    const result = chiSquare(counts, w.map((x) => x / total), ALPHA);
    expect(result.statistic).toBeLessThan(result.critical);
  });

  it('permute-and-flip (report-noisy-max with exponential noise) matches its closed form for two candidates', () => {
    // Candidates u = (0, −g·2Δ/ε): the worse one wins only if visited first and accepted: e^{−g}/2.
    const rng = new SeededRandom(22);
    const g = 0.8;
    const counts = frequencies(() => permuteAndFlip({ utilities: [0, -g * 2], sensitivity: 1, epsilon: 1, rng }).value, 2, 30000);
    const pWorse = Math.exp(-g) / 2;
    const result = chiSquare(counts, [1 - pWorse, pWorse], ALPHA);
    expect(result.statistic).toBeLessThan(result.critical);
    const rnm = reportNoisyMax({ utilities: [0, 1], sensitivity: 1, epsilon: 1, rng });
    expect(rnm.guarantee).toMatchObject({ mechanism: 'report-noisy-max', epsilon: 1, delta: 0 });
  });

  it('validates selection inputs', () => {
    const rng = new SeededRandom(1);
    expect(() => exponentialMechanism({ utilities: [], sensitivity: 1, epsilon: 1, rng })).toThrow(/utilities must be a non-empty array/);
    expect(() => exponentialMechanism({ utilities: [1, Number.POSITIVE_INFINITY], sensitivity: 1, epsilon: 1, rng })).toThrow(
      /utilities\[1\] must be a finite number/,
    );
    // @ts-expect-error: a wrong noise kind is refused at run time too.
    expect(() => reportNoisyMax({ utilities: [1], sensitivity: 1, epsilon: 1, noise: 'laplace', rng })).toThrow(/noise must be/);
  });
});

describe('requireSecure guard', () => {
  it('refuses a seeded generator when the test-run markers are absent (in process)', () => {
    const saved = { VITEST: process.env['VITEST'], NODE_ENV: process.env['NODE_ENV'] };
    delete process.env['VITEST'];
    delete process.env['NODE_ENV'];
    try {
      for (const call of [
        () => laplaceMechanism({ value: 1, sensitivity: 1, epsilon: 1, rng: new SeededRandom(1) }),
        () => gaussianMechanism({ value: 1, sensitivity: 1, epsilon: 1, delta: 1e-5, rng: new SeededRandom(1) }),
        () => exponentialMechanism({ utilities: [1, 2], sensitivity: 1, epsilon: 1, rng: new SeededRandom(1) }),
      ]) {
        let error: unknown;
        try {
          call();
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(CohortError);
        expect((error as CohortError).code).toBe('INSECURE_RANDOMNESS');
      }
      // The CSPRNG default still works.
      expect(Number.isFinite(laplaceMechanism({ value: 1, sensitivity: 1, epsilon: 1 }).value)).toBe(true);
    } finally {
      if (saved.VITEST !== undefined) process.env['VITEST'] = saved.VITEST;
      if (saved.NODE_ENV !== undefined) process.env['NODE_ENV'] = saved.NODE_ENV;
    }
  });

  it('refuses a seeded generator in a production process (child process)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohort-guard-'));
    const script = join(dir, 'guard.ts');
    const samplers = pathToFileURL(join(process.cwd(), 'src/dp/samplers/index.ts')).href;
    const random = pathToFileURL(join(process.cwd(), 'src/crypto/random.ts')).href;
    writeFileSync(
      script,
      `import { sampleDiscreteGaussian } from ${JSON.stringify(samplers)};
import { SeededRandom } from ${JSON.stringify(random)};
try { sampleDiscreteGaussian({ variance: 4, rng: new SeededRandom(1) }); console.log('ALLOWED'); }
catch (e) { console.log(e.code); }
console.log(Number.isInteger(sampleDiscreteGaussian({ variance: 4 })) ? 'SECURE-OK' : 'SECURE-BAD');
`,
    );
    const env = { ...process.env };
    delete env['VITEST'];
    delete env['NODE_ENV'];
    for (const key of Object.keys(env)) if (key.startsWith('VITEST')) delete env[key];
    const result = spawnSync(process.execPath, ['--import', 'tsx', script], { env, encoding: 'utf8', cwd: process.cwd() });
    expect(result.stdout.trim().split('\n'), result.stderr).toEqual(['INSECURE_RANDOMNESS', 'SECURE-OK']);
  });
});
