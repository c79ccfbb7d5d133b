/**
 * The fixed filter bank of a 2-D scattering transform: Morlet wavelets ψ_{j,θ} at J scales and L
 * orientations and one Gaussian low-pass φ_J (Bruna & Mallat, IEEE TPAMI 2013, "Invariant
 * scattering convolution networks", §3; Oyallon & Mallat, CVPR 2015). Parameters as in Kymatio
 * (Andreux et al., JMLR 2020, "Kymatio: scattering transforms in Python"), the implementation
 * Tramèr & Boneh (ICLR 2021) used:
 *
 *   Gabor  g_{σ,θ,ξ,s}(u) = 1/(2πσ²/s) · exp(−uᵀR_θ·diag(1, s²)·R_θᵀu / (2σ²)) · exp(i·ξ·(u₀cosθ + u₁sinθ)),
 *   Morlet ψ = g_{σ,θ,ξ,s} − κ·g_{σ,θ,0,s}, κ chosen so that Σ_u ψ(u) = 0 (a wavelet has zero mean),
 *   ψ_{j,θ}: σ = 0.8·2^j, ξ = 3π/(4·2^j), s = 4/L, θ = (trunc(L/2 − 1) − ℓ)·π/L for ℓ = 0..L−1,
 *   φ_J:     the Gabor with σ = 0.8·2^(J−1), ξ = 0, s = 1 (a normalised Gaussian, Σφ ≈ 1),
 *
 * sampled on the periodic rows×cols grid centred at the origin (u₀ along rows, u₁ along columns),
 * periodised over ±2 periods, and kept in the Fourier domain as the real part of the DFT (the
 * filters are even up to the periodisation, so the imaginary part is rounding).
 *
 * A filter applied to a signal already subsampled by 2^r is the same filter at the frequencies of
 * the smaller grid: its DFT cropped to the signed frequencies |k| < n/2^(r+1) (Kymatio's
 * periodize_filter_fft masks the other frequencies and folds them, which leaves exactly these).
 */
import { check } from '../../errors.js';
import { Fft, fft2d } from './fft.js';

export interface Wavelet {
  /** Scale j ∈ [0, J). */
  readonly scale: number;
  /** Orientation index ℓ ∈ [0, L); the angle is (trunc(L/2 − 1) − ℓ)·π/L. */
  readonly orientation: number;
  /** DFT at each resolution r = 0..scale (length (rows/2^r)·(cols/2^r)), real. */
  readonly levels: readonly Float64Array[];
}

export interface FilterBank {
  readonly rows: number;
  readonly cols: number;
  readonly scales: number;
  readonly orientations: number;
  /** ψ_{j,ℓ}, j major, ℓ minor (Kymatio's order). */
  readonly wavelets: readonly Wavelet[];
  /** φ_J's DFT at each resolution r = 0..J (the last is 1×1 for J = log₂ n; used up to J − 1). */
  readonly lowPass: readonly Float64Array[];
}

/** The spatial Gabor filter g_{σ,θ,ξ,s} on the periodic rows×cols grid (real, imaginary parts). */
export function gabor2d(rows: number, cols: number, sigma: number, theta: number, xi: number, slant: number): { re: Float64Array; im: Float64Array } {
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  // curvature = R·diag(1, s²)·Rᵀ / (2σ²)
  const a = (cos * cos + slant * slant * sin * sin) / (2 * sigma * sigma);
  const b = ((1 - slant * slant) * cos * sin) / (2 * sigma * sigma);
  const c = (sin * sin + slant * slant * cos * cos) / (2 * sigma * sigma);
  const re = new Float64Array(rows * cols);
  const im = new Float64Array(rows * cols);
  const norm = (2 * Math.PI * sigma * sigma) / slant;
  for (let ex = -2; ex <= 2; ex++) {
    for (let ey = -2; ey <= 2; ey++) {
      for (let r = 0; r < rows; r++) {
        const x = r + ex * rows;
        for (let q = 0; q < cols; q++) {
          const y = q + ey * cols;
          const envelope = Math.exp(-(a * x * x + 2 * b * x * y + c * y * y));
          const phase = xi * (x * cos + y * sin);
          re[r * cols + q] = (re[r * cols + q] as number) + envelope * Math.cos(phase);
          im[r * cols + q] = (im[r * cols + q] as number) + envelope * Math.sin(phase);
        }
      }
    }
  }
  for (let i = 0; i < re.length; i++) {
    re[i] = (re[i] as number) / norm;
    im[i] = (im[i] as number) / norm;
  }
  return { re, im };
}

/** The spatial Morlet wavelet: the Gabor minus κ times its envelope, with zero sum. */
export function morlet2d(rows: number, cols: number, sigma: number, theta: number, xi: number, slant: number): { re: Float64Array; im: Float64Array } {
  const wave = gabor2d(rows, cols, sigma, theta, xi, slant);
  const envelope = gabor2d(rows, cols, sigma, theta, 0, slant);
  let waveRe = 0;
  let waveIm = 0;
  let envelopeSum = 0;
  for (let i = 0; i < wave.re.length; i++) {
    waveRe += wave.re[i] as number;
    waveIm += wave.im[i] as number;
    envelopeSum += envelope.re[i] as number; // the envelope is real
  }
  const kappaRe = waveRe / envelopeSum;
  const kappaIm = waveIm / envelopeSum;
  for (let i = 0; i < wave.re.length; i++) {
    const e = envelope.re[i] as number;
    wave.re[i] = (wave.re[i] as number) - kappaRe * e;
    wave.im[i] = (wave.im[i] as number) - kappaIm * e;
  }
  return wave;
}

/** The real part of the 2-D DFT of a spatial filter. */
function fourierReal(filter: { re: Float64Array; im: Float64Array }, rows: number, cols: number): Float64Array {
  const re = Float64Array.from(filter.re);
  const im = Float64Array.from(filter.im);
  fft2d(re, im, new Fft(rows), new Fft(cols), false);
  return re;
}

/** A DFT on rows×cols restricted to the signed frequencies of the grid subsampled by 2^r. */
export function filterAtResolution(filter: Float64Array, rows: number, cols: number, resolution: number): Float64Array {
  const factor = 2 ** resolution;
  const smallRows = rows / factor;
  const smallCols = cols / factor;
  check(Number.isInteger(smallRows) && Number.isInteger(smallCols) && smallRows >= 1 && smallCols >= 1, 'resolution', resolution, `one that divides ${rows}×${cols}`);
  const out = new Float64Array(smallRows * smallCols);
  for (let k = 0; k < smallRows; k++) {
    const source = k < smallRows / 2 ? k : k + rows - smallRows;
    for (let l = 0; l < smallCols; l++) {
      const sourceColumn = l < smallCols / 2 ? l : l + cols - smallCols;
      out[k * smallCols + l] = filter[source * cols + sourceColumn] as number;
    }
  }
  return out;
}

/** The orientation angle of index ℓ among L (Kymatio's convention). */
export function orientationAngle(orientation: number, orientations: number): number {
  return ((Math.trunc(orientations - orientations / 2 - 1) - orientation) * Math.PI) / orientations;
}

/** The filter bank on a rows×cols grid (powers of two, each divisible by 2^J). */
export function filterBank(rows: number, cols: number, scales: number, orientations: number): FilterBank {
  check(Number.isInteger(scales) && scales >= 1, 'scales', scales, 'an integer ≥ 1');
  check(Number.isInteger(orientations) && orientations >= 1, 'orientations', orientations, 'an integer ≥ 1');
  const factor = 2 ** scales;
  check(rows % factor === 0 && cols % factor === 0, 'grid', `${rows}×${cols}`, `sizes divisible by 2^J = ${factor}`);
  const wavelets: Wavelet[] = [];
  for (let j = 0; j < scales; j++) {
    for (let l = 0; l < orientations; l++) {
      const spatial = morlet2d(rows, cols, 0.8 * 2 ** j, orientationAngle(l, orientations), (3 * Math.PI) / (4 * 2 ** j), 4 / orientations);
      const fourier = fourierReal(spatial, rows, cols);
      const levels = Array.from({ length: j + 1 }, (_, r) => filterAtResolution(fourier, rows, cols, r));
      wavelets.push({ scale: j, orientation: l, levels });
    }
  }
  const phi = fourierReal(gabor2d(rows, cols, 0.8 * 2 ** (scales - 1), 0, 0, 1), rows, cols);
  const lowPass = Array.from({ length: scales + 1 }, (_, r) => filterAtResolution(phi, rows, cols, r));
  return { rows, cols, scales, orientations, wavelets, lowPass };
}
