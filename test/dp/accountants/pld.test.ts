import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import vectors from '../../vectors/accountants.json' with { type: 'json' };
import { PldAccountant, lossDistributions, pldEpsilon } from '../../../src/dp/accountants/pld.js';
import { rdpEpsilon } from '../../../src/dp/accountants/rdp.js';
import { discretise } from '../../../src/dp/accountants/pld/discretise.js';
import { composePmfs } from '../../../src/dp/accountants/pld/compose.js';
import { gaussianLoss, randomisedResponseLoss } from '../../../src/dp/accountants/pld/loss-distributions.js';
import { finiteMass, lossAt, pmfDelta, pmfEpsilon, type LossPmf } from '../../../src/dp/accountants/pld/pmf.js';
import { gaussianDelta, gaussianEpsilon } from '../../../src/dp/accountants/gaussian-exact.js';
import type { PrivacyEvent } from '../../../src/dp/accountants/events.js';
import { CohortError } from '../../../src/errors.js';

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('PLD accountant: published known answers (dp_accounting)', () => {
  for (const vector of vectors.pld) {
    it(`${vector.name} (${vector.source})`, () => {
      const accountant = new PldAccountant();
      for (const event of vector.events) accountant.compose(event as PrivacyEvent);
      expect(Math.abs(accountant.getDelta(vector.epsilon) - vector.delta)).toBeLessThanOrEqual(vector.deltaTolerance);
      expect(Math.abs(accountant.getEpsilon(vector.delta) - vector.epsilon)).toBeLessThanOrEqual(vector.epsilonTolerance);
    });
  }
});

describe('full batch is one Gaussian', () => {
  const v = vectors.fullBatch;

  it('PLD matches ε = 33.1037323 to 1e-4 relative and RDP lies above', () => {
    const pld = pldEpsilon({ noiseMultiplier: v.noiseMultiplier, sampleRate: v.sampleRate, steps: v.steps, delta: v.delta });
    expect(relativeError(pld, v.epsilon)).toBeLessThan(v.pldRelativeTolerance);
    const rdp = rdpEpsilon({ noiseMultiplier: v.noiseMultiplier, sampleRate: v.sampleRate, steps: v.steps, delta: v.delta }).epsilon;
    expect(rdp).toBeGreaterThan(pld);
  });

  it('the discretised path (no analytic shortcut) matches too, from above', () => {
    const pmf = discretise(gaussianLoss(v.noiseMultiplier / Math.sqrt(v.steps)), { interval: 1e-4, tailMass: 1e-15 });
    const epsilon = pmfEpsilon(pmf, v.delta);
    expect(relativeError(epsilon, v.epsilon)).toBeLessThan(v.pldRelativeTolerance);
    expect(epsilon).toBeGreaterThanOrEqual(gaussianEpsilon(0.2, v.delta) - 1e-9);
  });

  it('mixing full-batch Gaussians with another event discretises the merged Gaussian', () => {
    const exact = new PldAccountant().compose({ kind: 'gaussian', noiseMultiplier: 2, count: 100 });
    const mixed = new PldAccountant()
      .compose({ kind: 'gaussian', noiseMultiplier: 2, count: 60 })
      .compose({ kind: 'poisson-gaussian', noiseMultiplier: 2, sampleRate: 1, steps: 40 })
      .compose({ kind: 'pure-dp', epsilon: 1e-3 });
    const a = exact.getEpsilon(1e-5);
    const b = mixed.getEpsilon(1e-5);
    expect(b).toBeGreaterThanOrEqual(a);
    expect(b - a).toBeLessThan(2e-3);
  });
});

describe('discretisation and composition', () => {
  it('keeps all probability (finite + ∞) and each bin’s Q-mass', () => {
    for (const event of [
      { kind: 'poisson-gaussian', noiseMultiplier: 1, sampleRate: 0.05, steps: 1 },
      { kind: 'poisson-laplace', epsilon: 1, sampleRate: 0.3, steps: 1 },
      { kind: 'laplace', epsilon: 0.7 },
    ] as PrivacyEvent[]) {
      const { remove, add } = lossDistributions(event);
      for (const distribution of add === undefined ? [remove] : [remove, add]) {
        const pmf = discretise(distribution, { interval: 1e-3, tailMass: 1e-15 });
        expect(Math.abs(finiteMass(pmf) + pmf.infinityMass - 1)).toBeLessThan(1e-12);
        // Σ p(l)·e^{−l} = total Q-mass of the finite losses (up to the truncated tails).
        let qMass = 0;
        pmf.masses.forEach((mass, i) => (qMass += mass * Math.exp(-lossAt(pmf, i))));
        const qTotal = distribution.cdfQ(0) + distribution.sfQ(0);
        expect(Math.abs(qMass - qTotal)).toBeLessThan(1e-9);
      }
    }
  });

  it('ε converges as the grid is refined, without a bias growing with the steps', () => {
    const at = (discretisation: number): number =>
      pldEpsilon({ noiseMultiplier: 1.1, sampleRate: 0.01, steps: 2000, delta: 1e-5, discretisation });
    const coarse = at(1e-3);
    const fine = at(1e-4);
    expect(coarse).toBeGreaterThanOrEqual(fine - 1e-6);
    expect(coarse - fine).toBeLessThan(2e-3);
  });

  it('δ(ε) of k-fold randomised response equals the binomial formula (Kairouz et al. 2015)', () => {
    const epsilon0 = 0.5;
    const k = 20;
    const rr = discretise(randomisedResponseLoss(epsilon0), { interval: 0.5, tailMass: 1e-15 });
    const composed = composePmfs([{ pmf: rr, count: k }], { tailMass: 1e-13 }).pmf;
    const p = Math.exp(epsilon0) / (1 + Math.exp(epsilon0));
    for (const epsilon of [0, 1, 2.5, 4]) {
      let expected = 0;
      let binomial = 1;
      for (let j = 0; j <= k; j++) {
        if (j > 0) binomial = (binomial * (k - j + 1)) / j;
        const loss = (2 * j - k) * epsilon0;
        if (loss > epsilon) expected += binomial * p ** j * (1 - p) ** (k - j) * (1 - Math.exp(epsilon - loss));
      }
      expect(Math.abs(pmfDelta(composed, epsilon) - expected)).toBeLessThan(1e-12);
    }
  });

  it('refines the grid when a repeated event’s losses are tiny next to it (q = 1e-4)', () => {
    const event = { kind: 'poisson-gaussian', noiseMultiplier: 4, sampleRate: 1e-4, steps: 1000 } as const;
    const coarse = new PldAccountant({ discretisation: 1e-3 }).compose(event).report(1e-5);
    const fine = new PldAccountant({ discretisation: 1e-4 }).compose(event).report(1e-5);
    expect(coarse.discretisation).toBeLessThan(1e-3);
    expect(fine.discretisation).toBeLessThan(1e-4);
    // Without refinement the 1e-3 grid gives ε ≈ 0.011 and the 1e-4 grid ≈ 0.0029 (exact ≈ 0.0015).
    expect(Math.abs(coarse.epsilon - fine.epsilon)).toBeLessThan(1e-4);
    expect(fine.epsilon).toBeLessThan(rdpEpsilon({ ...event, delta: 1e-5 }).epsilon);
  });

  it('pmfEpsilon inverts pmfDelta exactly between grid points', () => {
    const pmf: LossPmf = { interval: 0.5, offset: -2, masses: Float64Array.from([0.1, 0.2, 0.3, 0.2, 0.15, 0.05]), infinityMass: 0 };
    for (const delta of [0.01, 0.05, 0.1, 0.2]) {
      const epsilon = pmfEpsilon(pmf, delta);
      expect(Math.abs(pmfDelta(pmf, epsilon) - delta)).toBeLessThan(1e-12);
    }
    expect(pmfEpsilon(pmf, 0.9)).toBe(0);
    expect(pmfEpsilon({ ...pmf, infinityMass: 0.01 }, 0.005)).toBe(Infinity);
  });

  it('a window cut by the Chernoff bound reports the wrapped mass in δ', () => {
    const accountant = new PldAccountant().compose({ kind: 'poisson-gaussian', noiseMultiplier: 1, sampleRate: 0.01, steps: 3000 });
    const report = accountant.report(1e-5);
    expect(report.truncatedMass).toBeGreaterThanOrEqual(0);
    expect(report.truncatedMass).toBeLessThanOrEqual(1e-13);
    expect(report.discretisation).toBe(1e-4);
    expect(accountant.getDelta(report.epsilon)).toBeLessThanOrEqual(1e-5 * (1 + 1e-9));
  });
});

describe('PLD accountant behaviour', () => {
  it('composing identical events one by one equals composing them with a count', () => {
    const once = new PldAccountant({ discretisation: 1e-3 }).compose({ kind: 'poisson-gaussian', noiseMultiplier: 0.8, sampleRate: 0.05, steps: 30 });
    const many = new PldAccountant({ discretisation: 1e-3 });
    for (let i = 0; i < 30; i++) many.compose({ kind: 'poisson-gaussian', noiseMultiplier: 0.8, sampleRate: 0.05, steps: 1 });
    expect(relativeError(many.getEpsilon(1e-6), once.getEpsilon(1e-6))).toBeLessThan(1e-12);
  });

  it('heterogeneous events land between the homogeneous runs', () => {
    const low = pldEpsilon({ noiseMultiplier: 2, sampleRate: 0.02, steps: 400, delta: 1e-5, discretisation: 1e-3 });
    const high = pldEpsilon({ noiseMultiplier: 1, sampleRate: 0.02, steps: 400, delta: 1e-5, discretisation: 1e-3 });
    const mixed = new PldAccountant({ discretisation: 1e-3 })
      .compose({ kind: 'poisson-gaussian', noiseMultiplier: 2, sampleRate: 0.02, steps: 200 })
      .compose({ kind: 'poisson-gaussian', noiseMultiplier: 1, sampleRate: 0.02, steps: 200 })
      .getEpsilon(1e-5);
    expect(mixed).toBeGreaterThan(low);
    expect(mixed).toBeLessThan(high);
  });

  it('δ from getDelta(getEpsilon(δ)) is at most δ and close to it', () => {
    const accountant = new PldAccountant().compose({ kind: 'poisson-gaussian', noiseMultiplier: 1.2, sampleRate: 0.01, steps: 500 });
    for (const delta of [1e-3, 1e-6, 1e-9]) {
      const back = accountant.getDelta(accountant.getEpsilon(delta));
      expect(back).toBeLessThanOrEqual(delta * (1 + 1e-9));
      expect(back).toBeGreaterThan(delta * 0.999);
    }
  });

  it('the Gaussian curve is exact for the analytic shortcut', () => {
    const accountant = new PldAccountant().compose({ kind: 'gaussian', noiseMultiplier: 1 });
    expect(accountant.getDelta(1)).toBe(gaussianDelta(1, 1));
    expect(accountant.report(1e-5).truncatedMass).toBe(0);
  });

  it('rejects bad options, events and arguments', () => {
    expect(() => new PldAccountant({ discretisation: 0 })).toThrow(/discretisation/);
    expect(() => new PldAccountant({ tailMass: 0.5 })).toThrow(/tailMass/);
    const accountant = new PldAccountant();
    expect(() => accountant.compose({ kind: 'poisson-gaussian', noiseMultiplier: -1, sampleRate: 0.1, steps: 1 })).toThrow(CohortError);
    expect(() => accountant.compose({ kind: 'approximate-dp', epsilon: 1, delta: 1 })).toThrow(/delta/);
    expect(() => accountant.getEpsilon(0)).toThrow(/delta/);
    expect(() => accountant.getDelta(Number.NaN)).toThrow(/epsilon/);
    expect(accountant.getEpsilon(1e-5)).toBe(0);
  });

  it('refuses a grid too fine for the composition instead of exhausting memory', () => {
    const accountant = new PldAccountant({ discretisation: 1e-7 }).compose({ kind: 'gaussian', noiseMultiplier: 0.05 }).compose({ kind: 'laplace', epsilon: 1 });
    expect(() => accountant.getEpsilon(1e-5)).toThrow(/discretisation/);
  });
});

describe('PLD properties (coarse grid for speed)', () => {
  const discretisation = 1e-3;
  const pld = (noiseMultiplier: number, sampleRate: number, steps: number): number =>
    pldEpsilon({ noiseMultiplier, sampleRate, steps, delta: 1e-5, discretisation });

  it('PLD ε ≤ RDP ε (including tiny sampling rates, thanks to the grid refinement)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.6, max: 4, noNaN: true }),
        fc.double({ min: 1e-4, max: 0.5, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        (noiseMultiplier, sampleRate, steps) => {
          const rdp = rdpEpsilon({ noiseMultiplier, sampleRate, steps, delta: 1e-5 }).epsilon;
          expect(pld(noiseMultiplier, sampleRate, steps)).toBeLessThanOrEqual(rdp);
        },
      ),
      { numRuns: 6 },
    );
  });

  it('ε is non-decreasing in steps and in q, and decreasing in σ (beyond grid noise of 1e-6)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.7, max: 3, noNaN: true }),
        fc.double({ min: 0.002, max: 0.2, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        (noiseMultiplier, sampleRate, steps) => {
          const base = pld(noiseMultiplier, sampleRate, steps);
          expect(pld(noiseMultiplier, sampleRate, steps * 2)).toBeGreaterThanOrEqual(base - 1e-6);
          expect(pld(noiseMultiplier, sampleRate * 1.5, steps)).toBeGreaterThanOrEqual(base - 1e-6);
          expect(pld(noiseMultiplier * 1.5, sampleRate, steps)).toBeLessThanOrEqual(base + 1e-6);
        },
      ),
      { numRuns: 8 },
    );
  });
});
