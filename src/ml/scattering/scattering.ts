/**
 * The 2-D scattering transform of order 2 (Mallat 2012, "Group invariant scattering", CPAM 65;
 * Bruna & Mallat, IEEE TPAMI 2013): fixed, data-independent image features
 *
 *   S₀x = x ⋆ φ_J,   S₁x(j₁,θ₁) = |x ⋆ ψ_{j₁,θ₁}| ⋆ φ_J,   S₂x(j₁,θ₁,j₂,θ₂) = ||x ⋆ ψ_{j₁,θ₁}| ⋆ ψ_{j₂,θ₂}| ⋆ φ_J  (j₂ > j₁),
 *
 * each subsampled by 2^J: K = 1 + J·L + L²·J(J−1)/2 channels per input channel (81 for J = 2,
 * L = 8) on an (H/2^J)×(W/2^J) grid. The ScatterNet features of Tramèr & Boneh (ICLR 2021,
 * "Differentially private learning needs better features (or much more data)") are these with
 * J = 2, L = 8 (Kymatio's Scattering2D).
 *
 * Computed as Kymatio computes it (Andreux et al., JMLR 2020): convolutions are products in the
 * Fourier domain; after each wavelet the signal is subsampled as far as the wavelet's scale allows
 * (by 2^j₁, then 2^(j₂−j₁)), by averaging the aliased spectra, which equals spatial subsampling
 * exactly; the low-pass output is subsampled to 2^J. Boundary: the image is padded by reflection
 * (x[−1] = x[1]) to the smallest power-of-two size ≥ H + 2^J (32 for 28, where Kymatio pads to 36 to
 * use its FFTs of any size), convolved periodically, and the output samples that fall on the image
 * kept: H/2^J of them, at image rows 2^J·k − padBefore for the first k with that ≥ 0.
 *
 * Input: one image as channel-last H×W×C floats (a Dataset row). Output: channel-last
 * (H/2^J)×(W/2^J)×(C·K) floats, for each input channel its K paths in Kymatio's order: S₀, then per
 * first-order wavelet (j₁ major, θ₁ minor) its S₁ followed by its S₂ paths (j₂ > j₁, then θ₂).
 */
import { check } from '../../errors.js';
import { Fft, fft2d } from './fft.js';
import { filterBank, type FilterBank } from './filters.js';

export interface ScatteringOptions {
  /** Image height and width; both divisible by 2^J. */
  readonly height: number;
  readonly width: number;
  /** Input channels, each transformed on its own (default 1). */
  readonly channels?: number;
  /** J, the number of scales and log₂ of the subsampling (default 2). */
  readonly scales?: number;
  /** L, orientations per scale (default 8). */
  readonly orientations?: number;
}

/** What one output channel is (per input channel). */
export type ScatteringPath =
  | { readonly order: 0 }
  | { readonly order: 1; readonly j1: number; readonly theta1: number }
  | { readonly order: 2; readonly j1: number; readonly theta1: number; readonly j2: number; readonly theta2: number };

/** Channels per input channel: 1 + J·L + L²·J(J−1)/2. */
export function scatteringChannels(scales: number, orientations: number): number {
  return 1 + scales * orientations + (orientations * orientations * scales * (scales - 1)) / 2;
}

/** Smallest power of two ≥ n. */
function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** numpy's 'reflect' padding index (the edge is not repeated), for any distance outside [0, n). */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

interface Grid {
  readonly rows: number;
  readonly cols: number;
  readonly rowFft: Fft;
  readonly columnFft: Fft;
}

export class Scattering2d {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly scales: number;
  readonly orientations: number;
  /** K, output channels per input channel. */
  readonly pathsPerChannel: number;
  readonly paths: readonly ScatteringPath[];
  readonly outputHeight: number;
  readonly outputWidth: number;
  /** C·K. */
  readonly outputChannels: number;
  /** outputHeight·outputWidth·outputChannels. */
  readonly outputSize: number;
  /** The padded (periodic) grid. */
  readonly paddedHeight: number;
  readonly paddedWidth: number;
  private readonly padTop: number;
  private readonly padLeft: number;
  /** First kept output row/column on the 2^J-subsampled padded grid. */
  private readonly firstRow: number;
  private readonly firstColumn: number;
  private readonly bank: FilterBank;
  /** Grid at each resolution r = 0..J. */
  private readonly grids: Grid[];
  private readonly inputRe: Float64Array;
  private readonly inputIm: Float64Array;
  /** |x ⋆ ψ₁| in the Fourier domain, at its resolution j₁. */
  private readonly firstRe: Float64Array;
  private readonly firstIm: Float64Array;
  private readonly secondRe: Float64Array;
  private readonly secondIm: Float64Array;
  private readonly lowRe: Float64Array;
  private readonly lowIm: Float64Array;

  constructor(options: ScatteringOptions) {
    check(typeof options === 'object' && options !== null, 'options', options, 'an object');
    const { height, width } = options;
    const channels = options.channels ?? 1;
    const scales = options.scales ?? 2;
    const orientations = options.orientations ?? 8;
    check(Number.isInteger(scales) && scales >= 1 && scales <= 8, 'scales', scales, 'an integer in [1, 8]');
    check(Number.isInteger(orientations) && orientations >= 1 && orientations <= 32, 'orientations', orientations, 'an integer in [1, 32]');
    check(Number.isInteger(channels) && channels >= 1, 'channels', channels, 'a positive integer');
    const factor = 2 ** scales;
    for (const [name, size] of [['height', height], ['width', width]] as const) {
      check(Number.isInteger(size) && size >= factor && size % factor === 0 && size <= 4096, name, size, `a multiple of 2^J = ${factor} in [${factor}, 4096]`);
    }
    this.height = height;
    this.width = width;
    this.channels = channels;
    this.scales = scales;
    this.orientations = orientations;
    this.pathsPerChannel = scatteringChannels(scales, orientations);
    this.outputHeight = height / factor;
    this.outputWidth = width / factor;
    this.outputChannels = channels * this.pathsPerChannel;
    this.outputSize = this.outputHeight * this.outputWidth * this.outputChannels;
    this.paddedHeight = nextPowerOfTwo(height + factor);
    this.paddedWidth = nextPowerOfTwo(width + factor);
    this.padTop = Math.floor((this.paddedHeight - height) / 2);
    this.padLeft = Math.floor((this.paddedWidth - width) / 2);
    this.firstRow = Math.ceil(this.padTop / factor);
    this.firstColumn = Math.ceil(this.padLeft / factor);
    this.bank = filterBank(this.paddedHeight, this.paddedWidth, scales, orientations);
    this.grids = Array.from({ length: scales + 1 }, (_, r) => {
      const rows = this.paddedHeight / 2 ** r;
      const cols = this.paddedWidth / 2 ** r;
      return { rows, cols, rowFft: new Fft(cols), columnFft: new Fft(rows) };
    });
    const size = this.paddedHeight * this.paddedWidth;
    this.inputRe = new Float64Array(size);
    this.inputIm = new Float64Array(size);
    this.firstRe = new Float64Array(size);
    this.firstIm = new Float64Array(size);
    this.secondRe = new Float64Array(size / 4);
    this.secondIm = new Float64Array(size / 4);
    this.lowRe = new Float64Array(size);
    this.lowIm = new Float64Array(size);
    const paths: ScatteringPath[] = [{ order: 0 }];
    for (const first of this.bank.wavelets) {
      paths.push({ order: 1, j1: first.scale, theta1: first.orientation });
      for (const second of this.bank.wavelets) {
        if (second.scale > first.scale) {
          paths.push({ order: 2, j1: first.scale, theta1: first.orientation, j2: second.scale, theta2: second.orientation });
        }
      }
    }
    this.paths = paths;
  }

  /**
   * The features of one image (`image[offset ..]`, channel-last H×W×C) into `out[outOffset ..]`
   * (channel-last, outputSize values). Reuses internal buffers: one call at a time per instance.
   */
  transform(image: ArrayLike<number>, out: Float32Array | Float64Array, offset = 0, outOffset = 0): void {
    check(image.length >= offset + this.height * this.width * this.channels, 'image length', image.length, `at least offset + ${this.height}×${this.width}×${this.channels}`);
    check(out.length >= outOffset + this.outputSize, 'out length', out.length, `at least outOffset + ${this.outputSize}`);
    for (let c = 0; c < this.channels; c++) this.transformChannel(image, offset, c, out, outOffset);
  }

  private transformChannel(image: ArrayLike<number>, offset: number, channel: number, out: Float32Array | Float64Array, outOffset: number): void {
    const full = this.grids[0] as Grid;
    // Reflect-pad into the full grid, then to the Fourier domain.
    for (let r = 0; r < full.rows; r++) {
      const y = reflectIndex(r - this.padTop, this.height);
      for (let q = 0; q < full.cols; q++) {
        const x = reflectIndex(q - this.padLeft, this.width);
        this.inputRe[r * full.cols + q] = image[offset + (y * this.width + x) * this.channels + channel] as number;
        this.inputIm[r * full.cols + q] = 0;
      }
    }
    this.fft(this.inputRe, this.inputIm, 0, false);
    let path = channel * this.pathsPerChannel;
    // S₀ = x ⋆ φ_J, subsampled by 2^J.
    this.lowPassOut(this.inputRe, this.inputIm, 0, out, outOffset, path++);
    for (const first of this.bank.wavelets) {
      const j1 = first.scale;
      // U₁ = |x ⋆ ψ_{j₁,θ₁}| at resolution j₁, back in the Fourier domain.
      this.filterAndSubsample(this.inputRe, this.inputIm, 0, first.levels[0] as Float64Array, j1, this.firstRe, this.firstIm);
      this.modulusInFourier(this.firstRe, this.firstIm, j1);
      this.lowPassOut(this.firstRe, this.firstIm, j1, out, outOffset, path++);
      for (const second of this.bank.wavelets) {
        const j2 = second.scale;
        if (j2 <= j1) continue;
        this.filterAndSubsample(this.firstRe, this.firstIm, j1, second.levels[j1] as Float64Array, j2, this.secondRe, this.secondIm);
        this.modulusInFourier(this.secondRe, this.secondIm, j2);
        this.lowPassOut(this.secondRe, this.secondIm, j2, out, outOffset, path++);
      }
    }
  }

  /** Inverse transforms are not normalised: filterAndSubsample, which precedes each, folds in 1/(rows·cols). */
  private fft(re: Float64Array, im: Float64Array, resolution: number, inverse: boolean): void {
    const grid = this.grids[resolution] as Grid;
    fft2d(re, im, grid.columnFft, grid.rowFft, inverse, false);
  }

  /**
   * dst = subsample_{2^(to−from)}(src ⋆ filter) in the Fourier domain: the product, then the mean of
   * the aliased spectra, Y[a, b] = (1/k²) Σ_{p,q} X[a + p·rows/k, b + q·cols/k] (spatial subsampling by k),
   * times the 1/(rows·cols) of the target grid's inverse DFT, which always comes next.
   */
  private filterAndSubsample(srcRe: Float64Array, srcIm: Float64Array, from: number, filter: Float64Array, to: number, dstRe: Float64Array, dstIm: Float64Array): void {
    const source = this.grids[from] as Grid;
    const target = this.grids[to] as Grid;
    const k = 2 ** (to - from);
    const scale = 1 / (k * k * target.rows * target.cols);
    for (let a = 0; a < target.rows; a++) {
      for (let b = 0; b < target.cols; b++) {
        let sumRe = 0;
        let sumIm = 0;
        for (let p = 0; p < k; p++) {
          const row = (a + p * target.rows) * source.cols;
          for (let q = 0; q < k; q++) {
            const index = row + b + q * target.cols;
            const f = filter[index] as number;
            sumRe += (srcRe[index] as number) * f;
            sumIm += (srcIm[index] as number) * f;
          }
        }
        dstRe[a * target.cols + b] = sumRe * scale;
        dstIm[a * target.cols + b] = sumIm * scale;
      }
    }
  }

  /** In place: inverse FFT, complex modulus, forward FFT, at `resolution`. */
  private modulusInFourier(re: Float64Array, im: Float64Array, resolution: number): void {
    const grid = this.grids[resolution] as Grid;
    this.fft(re, im, resolution, true);
    const size = grid.rows * grid.cols;
    for (let i = 0; i < size; i++) {
      const a = re[i] as number;
      const b = im[i] as number;
      re[i] = Math.sqrt(a * a + b * b); // not Math.hypot, several times slower in V8
      im[i] = 0;
    }
    this.fft(re, im, resolution, false);
  }

  /** Writes the real part of (signal ⋆ φ_J) subsampled to 2^J, cropped to the image, as channel `path`. */
  private lowPassOut(re: Float64Array, im: Float64Array, resolution: number, out: Float32Array | Float64Array, outOffset: number, path: number): void {
    const { scales } = this;
    this.filterAndSubsample(re, im, resolution, this.bank.lowPass[resolution] as Float64Array, scales, this.lowRe, this.lowIm);
    this.fft(this.lowRe, this.lowIm, scales, true);
    const cols = (this.grids[scales] as Grid).cols;
    for (let y = 0; y < this.outputHeight; y++) {
      for (let x = 0; x < this.outputWidth; x++) {
        const value = this.lowRe[(y + this.firstRow) * cols + x + this.firstColumn] as number;
        out[outOffset + (y * this.outputWidth + x) * this.outputChannels + path] = value;
      }
    }
  }
}
