import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { convolveReal, fft, inverseFft, inverseRealFft, nextPowerOfTwo, realFft } from '../../../src/dp/math/fft.js';
import { SeededRandom } from '../../../src/crypto/random.js';
import { CohortError } from '../../../src/errors.js';

/** Direct O(n²) DFT, the definition the FFT must agree with. */
function naiveDft(re: Float64Array, im: Float64Array): [Float64Array, Float64Array] {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const angle = (-2 * Math.PI * j * k) / n;
      outRe[k] = (outRe[k] as number) + (re[j] as number) * Math.cos(angle) - (im[j] as number) * Math.sin(angle);
      outIm[k] = (outIm[k] as number) + (re[j] as number) * Math.sin(angle) + (im[j] as number) * Math.cos(angle);
    }
  }
  return [outRe, outIm];
}

describe('fft', () => {
  it('matches the direct DFT for every size up to 64', () => {
    const rng = new SeededRandom(7);
    for (let n = 1; n <= 64; n *= 2) {
      const re = Float64Array.from({ length: n }, () => rng.uniform() - 0.5);
      const im = Float64Array.from({ length: n }, () => rng.uniform() - 0.5);
      const [expectRe, expectIm] = naiveDft(re, im);
      const gotRe = re.slice();
      const gotIm = im.slice();
      fft(gotRe, gotIm);
      for (let k = 0; k < n; k++) {
        expect(Math.abs((gotRe[k] as number) - (expectRe[k] as number))).toBeLessThan(1e-12);
        expect(Math.abs((gotIm[k] as number) - (expectIm[k] as number))).toBeLessThan(1e-12);
      }
    }
  });

  it('transforms a unit impulse to all ones and a constant to an impulse', () => {
    const re = new Float64Array(8);
    const im = new Float64Array(8);
    re[0] = 1;
    fft(re, im);
    expect(Array.from(re)).toEqual(new Array(8).fill(1));
    inverseFft(re, im);
    expect(Math.abs((re[0] as number) - 1)).toBeLessThan(1e-15);
    for (let k = 1; k < 8; k++) expect(Math.abs(re[k] as number)).toBeLessThan(1e-15);
  });

  it('inverse(fft(x)) = x', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.integer(), (log2, seed) => {
        const n = 2 ** log2;
        const rng = new SeededRandom(seed >>> 0);
        const re = Float64Array.from({ length: n }, () => rng.uniform());
        const im = Float64Array.from({ length: n }, () => rng.uniform());
        const r = re.slice();
        const i = im.slice();
        fft(r, i);
        inverseFft(r, i);
        for (let k = 0; k < n; k++) {
          expect(Math.abs((r[k] as number) - (re[k] as number))).toBeLessThan(1e-13);
          expect(Math.abs((i[k] as number) - (im[k] as number))).toBeLessThan(1e-13);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('convolveReal equals the direct convolution', () => {
    const a = Float64Array.from([0.2, 0.5, 0.3]);
    const b = Float64Array.from([0.1, 0.9, 0, 0, 1]);
    const out = convolveReal(a, b);
    const expected = [0.02, 0.23, 0.48, 0.27, 0.2, 0.5, 0.3];
    expect(out.length).toBe(7);
    for (let k = 0; k < 7; k++) expect(Math.abs((out[k] as number) - (expected[k] as number))).toBeLessThan(1e-15);
  });

  it('rejects lengths that are not powers of two', () => {
    expect(() => fft(new Float64Array(6), new Float64Array(6))).toThrow(CohortError);
    expect(() => fft(new Float64Array(4), new Float64Array(8))).toThrow(/im.length/);
    expect(nextPowerOfTwo(5)).toBe(8);
    expect(nextPowerOfTwo(1)).toBe(1);
  });
});

describe('real-input FFT', () => {
  it('realFft equals the complex FFT of the real sequence and inverseRealFft inverts it', () => {
    const rng = new SeededRandom(11);
    for (let n = 2; n <= 1024; n *= 2) {
      const x = Float64Array.from({ length: n }, () => rng.uniform() - 0.3);
      const re = x.slice();
      const im = new Float64Array(n);
      fft(re, im);
      const half = realFft(x);
      for (let k = 0; k <= n / 2; k++) {
        expect(Math.abs((half.re[k] as number) - (re[k] as number))).toBeLessThan(1e-12);
        expect(Math.abs((half.im[k] as number) - (im[k] as number))).toBeLessThan(1e-12);
      }
      const back = inverseRealFft(half.re, half.im, n);
      for (let j = 0; j < n; j++) expect(Math.abs((back[j] as number) - (x[j] as number))).toBeLessThan(1e-13);
    }
  });
});
