// The scattering transform: FFT and filters against their definitions, the fast pipeline against a direct spatial-domain reference, and known properties.
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/crypto/random.js';
import { CohortError } from '../../../src/errors.js';
import { Fft, fft2d, filterBank, gabor2d, morlet2d, orientationAngle, reflectIndex, Scattering2d, scatteringChannels, type Wavelet } from '../../../src/ml/scattering/index.js';

/** Naive 2-D DFT (forward: e^{−2πi(kr/R + lc/C)}; inverse divided by R·C). */
function dft2d(re: ArrayLike<number>, im: ArrayLike<number>, rows: number, cols: number, inverse: boolean): { re: Float64Array; im: Float64Array } {
  const outRe = new Float64Array(rows * cols);
  const outIm = new Float64Array(rows * cols);
  const sign = inverse ? 1 : -1;
  for (let k = 0; k < rows; k++) {
    for (let l = 0; l < cols; l++) {
      let sr = 0;
      let si = 0;
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const angle = sign * 2 * Math.PI * ((k * r) / rows + (l * c) / cols);
          const xr = re[r * cols + c] as number;
          const xi = im[r * cols + c] as number;
          sr += xr * Math.cos(angle) - xi * Math.sin(angle);
          si += xr * Math.sin(angle) + xi * Math.cos(angle);
        }
      }
      const scale = inverse ? 1 / (rows * cols) : 1;
      outRe[k * cols + l] = sr * scale;
      outIm[k * cols + l] = si * scale;
    }
  }
  return { re: outRe, im: outIm };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

function randomArray(length: number, rng: SeededRandom): Float64Array {
  return Float64Array.from({ length }, () => 2 * rng.uniform() - 1);
}

describe('Fft', () => {
  it('1-D transforms equal the naive DFT and invert, for n = 1 … 64', () => {
    const rng = new SeededRandom(1);
    for (const n of [1, 2, 4, 8, 32, 64]) {
      const re = randomArray(n, rng);
      const im = randomArray(n, rng);
      const expected = dft2d(re, im, 1, n, false);
      const fre = Float64Array.from(re);
      const fim = Float64Array.from(im);
      const fft = new Fft(n);
      fft.transform(fre, fim, false);
      expect(maxAbsDiff(fre, expected.re)).toBeLessThan(1e-12 * n);
      expect(maxAbsDiff(fim, expected.im)).toBeLessThan(1e-12 * n);
      fft.transform(fre, fim, true);
      expect(maxAbsDiff(fre, re)).toBeLessThan(1e-14 * n);
      expect(maxAbsDiff(fim, im)).toBeLessThan(1e-14 * n);
    }
  });

  it('2-D transforms of a rectangular array equal the naive DFT; unnormalised inverse is n times larger', () => {
    const rng = new SeededRandom(2);
    const [rows, cols] = [4, 8];
    const re = randomArray(rows * cols, rng);
    const im = randomArray(rows * cols, rng);
    const expected = dft2d(re, im, rows, cols, true);
    const fre = Float64Array.from(re);
    const fim = Float64Array.from(im);
    fft2d(fre, fim, new Fft(rows), new Fft(cols), true);
    expect(maxAbsDiff(fre, expected.re)).toBeLessThan(1e-12);
    expect(maxAbsDiff(fim, expected.im)).toBeLessThan(1e-12);
    const ure = Float64Array.from(re);
    const uim = Float64Array.from(im);
    fft2d(ure, uim, new Fft(rows), new Fft(cols), true, false);
    expect(maxAbsDiff(ure.map((v) => v / (rows * cols)), expected.re)).toBeLessThan(1e-12);
  });

  it('refuses sizes that are not powers of two', () => {
    for (const bad of [0, 3, 12, 2.5]) expect(() => new Fft(bad)).toThrow(CohortError);
  });
});

describe('filters', () => {
  const n = 32;
  const bank = filterBank(n, n, 2, 8);

  it('Morlet wavelets have zero mean (ψ̂(0) = 0) and the low-pass sums to one (φ̂(0) = 1)', () => {
    for (const w of bank.wavelets) expect(Math.abs(w.levels[0]?.[0] as number)).toBeLessThan(1e-12);
    expect(Math.abs((bank.lowPass[0]?.[0] as number) - 1)).toBeLessThan(1e-9);
    const spatial = morlet2d(n, n, 1.6, 0.3, 1.2, 0.5);
    expect(Math.abs(spatial.re.reduce((a, b) => a + b, 0))).toBeLessThan(1e-12);
    expect(Math.abs(spatial.im.reduce((a, b) => a + b, 0))).toBeLessThan(1e-12);
  });

  it('the filters are even up to periodisation: their DFT is real', () => {
    for (const spatial of [morlet2d(n, n, 0.8, orientationAngle(2, 8), (3 * Math.PI) / 4, 0.5), gabor2d(n, n, 1.6, 0, 0, 1)]) {
      const f = dft2d(spatial.re, spatial.im, n, n, false);
      const peak = Math.max(...Array.from(f.re, Math.abs));
      expect(Math.max(...Array.from(f.im, Math.abs))).toBeLessThan(1e-9 * peak);
    }
  });

  it('each first-scale wavelet peaks near frequency ξ·(cos θ, sin θ), ξ = 3π/4', () => {
    const radius = ((3 * Math.PI) / 4) * (n / (2 * Math.PI)); // 12 frequency bins
    for (const w of bank.wavelets.filter((x) => x.scale === 0)) {
      const level = w.levels[0] as Float64Array;
      let best = 0;
      for (let i = 1; i < level.length; i++) if ((level[i] as number) > (level[best] as number)) best = i;
      const signed = (k: number): number => (k < n / 2 ? k : k - n);
      const [kr, kc] = [signed(Math.floor(best / n)), signed(best % n)];
      const theta = orientationAngle(w.orientation, 8);
      expect(Math.hypot(kr - radius * Math.cos(theta), kc - radius * Math.sin(theta))).toBeLessThan(2);
    }
  });

  it('a filter at resolution r keeps the signed frequencies of the smaller grid', () => {
    const psi = bank.wavelets[8] as Wavelet; // j = 1
    const full = psi.levels[0] as Float64Array;
    const half = psi.levels[1] as Float64Array;
    expect(half.length).toBe(16 * 16);
    expect(half[3 * 16 + 5]).toBe(full[3 * 32 + 5]);
    expect(half[12 * 16 + 14]).toBe(full[28 * 32 + 30]); // −4, −2
  });
});

/** The transform by its definition: complex circular convolutions with the spatial kernels, spatial subsampling, direct loops. */
function referenceScattering(image: Float64Array, size: number, scales: number, orientations: number): Float64Array[] {
  type Complex = { re: Float64Array; im: Float64Array };
  const padded = 16; // next power of two ≥ size + 2^J for the sizes used here
  const pad = (padded - size) / 2;
  const bank = filterBank(padded, padded, scales, orientations);
  // A real spectrum that is not symmetric has a complex kernel.
  const spatial = (filter: Float64Array, m: number): Complex => dft2d(filter, new Float64Array(m * m), m, m, true);
  const conv = (x: Complex, h: Complex, m: number): Complex => {
    const re = new Float64Array(m * m);
    const im = new Float64Array(m * m);
    for (let u = 0; u < m; u++) for (let v = 0; v < m; v++) {
      let sr = 0;
      let si = 0;
      for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) {
        const k = ((u - a + m) % m) * m + ((v - b + m) % m);
        const [xr, xi, hr, hi] = [x.re[a * m + b] as number, x.im[a * m + b] as number, h.re[k] as number, h.im[k] as number];
        sr += xr * hr - xi * hi;
        si += xr * hi + xi * hr;
      }
      re[u * m + v] = sr;
      im[u * m + v] = si;
    }
    return { re, im };
  };
  const sub = (x: Complex, m: number, k: number): Complex => {
    const s = m / k;
    const pick = (a: Float64Array): Float64Array => Float64Array.from({ length: s * s }, (_, i) => a[Math.floor(i / s) * k * m + (i % s) * k] as number);
    return { re: pick(x.re), im: pick(x.im) };
  };
  const modulus = (x: Complex): Complex => ({ re: x.re.map((r, i) => Math.hypot(r, x.im[i] as number)), im: new Float64Array(x.re.length) });
  const mirror = (i: number): number => (i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i);
  const x0: Complex = {
    re: Float64Array.from({ length: padded * padded }, (_, i) => image[mirror(Math.floor(i / padded) - pad) * size + mirror((i % padded) - pad)] as number),
    im: new Float64Array(padded * padded),
  };
  const size0 = (r: number): number => padded / 2 ** r;
  const lowPass = (u: Complex, r: number): Float64Array => sub(conv(u, spatial(bank.lowPass[r] as Float64Array, size0(r)), size0(r)), size0(r), 2 ** (scales - r)).re;
  const out: Float64Array[] = [lowPass(x0, 0)];
  for (const first of bank.wavelets) {
    const u1 = modulus(sub(conv(x0, spatial(first.levels[0] as Float64Array, padded), padded), padded, 2 ** first.scale));
    out.push(lowPass(u1, first.scale));
    for (const second of bank.wavelets) {
      if (second.scale <= first.scale) continue;
      const m = size0(first.scale);
      const u2 = modulus(sub(conv(u1, spatial(second.levels[first.scale] as Float64Array, m), m), m, 2 ** (second.scale - first.scale)));
      out.push(lowPass(u2, second.scale));
    }
  }
  // Crop: the first kept sample is ⌈pad/2^J⌉ on the subsampled grid.
  const grid = padded / 2 ** scales;
  const first = Math.ceil(pad / 2 ** scales);
  const outSize = size / 2 ** scales;
  return out.map((channel) => Float64Array.from({ length: outSize * outSize }, (_, i) => channel[(Math.floor(i / outSize) + first) * grid + (i % outSize) + first] as number));
}

describe('Scattering2d', () => {
  it('the fast transform equals the direct spatial-domain definition (8×8, J = 2, L = 4)', () => {
    const rng = new SeededRandom(3);
    const image = Float64Array.from({ length: 64 }, () => rng.uniform());
    const scattering = new Scattering2d({ height: 8, width: 8, scales: 2, orientations: 4 });
    expect(scattering.pathsPerChannel).toBe(25);
    expect(scattering.paddedHeight).toBe(16);
    const out = new Float64Array(scattering.outputSize);
    scattering.transform(image, out);
    const reference = referenceScattering(image, 8, 2, 4);
    expect(reference.length).toBe(25);
    const errors = reference.map((channel, k) => Math.max(...Array.from(channel, (value, p) => Math.abs((out[p * 25 + k] as number) - value))));
    expect(Math.max(...errors)).toBeLessThan(1e-10);
    expect(Math.max(...out)).toBeGreaterThan(0.1); // not trivially zero
  });

  it('has K = 1 + JL + L²J(J−1)/2 channels in Kymatio order on a 7×7 grid for 28×28', () => {
    const s = new Scattering2d({ height: 28, width: 28 });
    expect(scatteringChannels(2, 8)).toBe(81);
    expect([s.outputHeight, s.outputWidth, s.outputChannels, s.outputSize]).toEqual([7, 7, 81, 3969]);
    expect(s.paths.slice(0, 3)).toEqual([{ order: 0 }, { order: 1, j1: 0, theta1: 0 }, { order: 2, j1: 0, theta1: 0, j2: 1, theta2: 0 }]);
    expect(s.paths[10]).toEqual({ order: 1, j1: 0, theta1: 1 });
    expect(s.paths.slice(73)).toEqual(Array.from({ length: 8 }, (_, l) => ({ order: 1, j1: 1, theta1: l })));
    expect(new Scattering2d({ height: 32, width: 16, channels: 3, scales: 3, orientations: 4 }).outputChannels).toBe(3 * scatteringChannels(3, 4));
  });

  const fashionLike = (shiftRows = 0, shiftCols = 0): Float64Array => {
    // A textured blob in a 28×28 frame, zero within 6 pixels of the top-left and 8 of the bottom-right border (so that a 4-pixel shift never reaches the reflected padding).
    const image = new Float64Array(784);
    for (let y = 6; y < 20; y++) for (let x = 6; x < 20; x++) {
      const value = 0.5 + 0.3 * Math.sin(0.9 * x + 0.4 * y) + 0.2 * Math.cos(1.7 * y);
      image[(y + shiftRows) * 28 + x + shiftCols] = value;
    }
    return image;
  };
  const scattering = new Scattering2d({ height: 28, width: 28 });
  const transform = (image: Float64Array): Float64Array => {
    const out = new Float64Array(scattering.outputSize);
    scattering.transform(image, out);
    return out;
  };

  it('a constant image: S₀ is the constant (φ̂(0) = 1), every wavelet path is 0', () => {
    const out = transform(new Float64Array(784).fill(0.7));
    for (let p = 0; p < 49; p++) {
      expect(Math.abs((out[p * 81] as number) - 0.7)).toBeLessThan(1e-9);
      for (let k = 1; k < 81; k++) expect(Math.abs(out[p * 81 + k] as number)).toBeLessThan(1e-9);
    }
  });

  it('S₀ is linear and S₁, S₂ are positively homogeneous and even: S(a·x) = |a|·S(x)', () => {
    const x = fashionLike();
    const base = transform(x);
    const scaled = transform(x.map((v) => -2.5 * v));
    base.forEach((value, i) => {
      const expected = i % 81 === 0 ? -2.5 * value : 2.5 * value;
      expect(Math.abs((scaled[i] as number) - expected)).toBeLessThan(1e-9);
    });
  });

  it('translating the image by 2^J = 4 pixels translates the output by one sample', () => {
    const base = transform(fashionLike());
    const down = transform(fashionLike(4, 0));
    const right = transform(fashionLike(0, 4));
    for (let y = 0; y < 6; y++) for (let x = 0; x < 7; x++) for (let k = 0; k < 81; k++) {
      expect(Math.abs((down[((y + 1) * 7 + x) * 81 + k] as number) - (base[(y * 7 + x) * 81 + k] as number))).toBeLessThan(1e-9);
      expect(Math.abs((right[(x * 7 + y + 1) * 81 + k] as number) - (base[(x * 7 + y) * 81 + k] as number))).toBeLessThan(1e-9);
    }
  });

  it('is stable to a one-pixel shift: the features move far less than the pixels', () => {
    const x = fashionLike();
    const shifted = fashionLike(1, 1);
    const relative = (a: Float64Array, b: Float64Array): number => Math.sqrt(a.reduce((s, v, i) => s + (v - (b[i] as number)) ** 2, 0) / b.reduce((s, v) => s + v * v, 0));
    const pixels = relative(shifted, x);
    const features = relative(transform(shifted), transform(x));
    expect(pixels).toBeGreaterThan(0.5);
    expect(features).toBeLessThan(pixels / 2);
  });

  it('transforms each channel of a channel-last image on its own', () => {
    const a = fashionLike();
    const b = fashionLike(2, 1).map((v) => 0.5 * v);
    const both = new Float64Array(784 * 2);
    for (let i = 0; i < 784; i++) {
      both[2 * i] = a[i] as number;
      both[2 * i + 1] = b[i] as number;
    }
    const two = new Scattering2d({ height: 28, width: 28, channels: 2 });
    const out = new Float64Array(two.outputSize);
    two.transform(both, out);
    const [sa, sb] = [transform(a), transform(b)];
    for (let p = 0; p < 49; p++) for (let k = 0; k < 81; k++) {
      expect(out[p * 162 + k]).toBeCloseTo(sa[p * 81 + k] as number, 12);
      expect(out[p * 162 + 81 + k]).toBeCloseTo(sb[p * 81 + k] as number, 12);
    }
  });

  it('reflect padding does not repeat the edge and folds back beyond one period', () => {
    expect([-3, -2, -1, 0, 4, 5, 6, 7, 10, 12].map((i) => reflectIndex(i, 5))).toEqual([3, 2, 1, 0, 4, 3, 2, 1, 2, 4]);
    expect(reflectIndex(-7, 1)).toBe(0);
  });

  it('rejects bad geometry naming the argument', () => {
    for (const [options, name] of [
      [{ height: 30, width: 28 }, 'height'],
      [{ height: 28, width: 2 }, 'width'],
      [{ height: 28, width: 28, scales: 0 }, 'scales'],
      [{ height: 28, width: 28, orientations: 0 }, 'orientations'],
      [{ height: 28, width: 28, channels: 0 }, 'channels'],
    ] as const) {
      expect(() => new Scattering2d(options)).toThrow(name);
    }
    expect(() => scattering.transform(new Float64Array(10), new Float64Array(3969))).toThrow(/image length/);
  });
});
