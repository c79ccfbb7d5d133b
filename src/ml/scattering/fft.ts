/**
 * In-place complex FFTs of power-of-two sizes in float64, for the scattering transform.
 *
 * Iterative radix-2 decimation in time (Cooley & Tukey 1965, "An algorithm for the machine
 * calculation of complex Fourier series", Math. Comp. 19): bit-reversal permutation, then log₂ n
 * butterfly passes with precomputed twiddles. Forward: X[k] = Σ_m x[m]·e^{−2πi·km/n}; inverse:
 * x[m] = (1/n) Σ_k X[k]·e^{+2πi·km/n} (numpy's convention). A 2-D transform (row-major, real and
 * imaginary parts in two arrays) is the row transforms then the column transforms.
 */
import { check } from '../../errors.js';

export class Fft {
  readonly size: number;
  private readonly reversed: Uint32Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;

  constructor(size: number) {
    check(Number.isInteger(size) && size >= 1 && (size & (size - 1)) === 0 && size <= 1 << 20, 'size', size, 'a power of two in [1, 2^20]');
    this.size = size;
    const bits = Math.round(Math.log2(size));
    this.reversed = new Uint32Array(size);
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.reversed[i] = r;
    }
    this.cos = new Float64Array(size / 2);
    this.sin = new Float64Array(size / 2);
    for (let k = 0; k < size / 2; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / size);
      this.sin[k] = Math.sin((2 * Math.PI * k) / size);
    }
  }

  /**
   * One 1-D transform of `re`/`im` at `offset` with `stride`, in place. `normalise` (default true)
   * divides an inverse transform by n; a caller that folds 1/n into an earlier product passes false.
   */
  transform(re: Float64Array, im: Float64Array, inverse: boolean, offset = 0, stride = 1, normalise = true): void {
    const n = this.size;
    const reversed = this.reversed;
    for (let i = 0; i < n; i++) {
      const j = reversed[i] as number;
      if (j > i) {
        const a = offset + i * stride;
        const b = offset + j * stride;
        const tr = re[a] as number;
        re[a] = re[b] as number;
        re[b] = tr;
        const ti = im[a] as number;
        im[a] = im[b] as number;
        im[b] = ti;
      }
    }
    const cos = this.cos;
    const sin = this.sin;
    const sign = inverse ? 1 : -1;
    for (let half = 1; half < n; half *= 2) {
      const step = n / (2 * half);
      const span = half * stride;
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step] as number;
        const wi = sign * (sin[k * step] as number);
        for (let start = 0; start < n; start += 2 * half) {
          const a = offset + (start + k) * stride;
          const b = a + span;
          const br = re[b] as number;
          const bi = im[b] as number;
          const xr = br * wr - bi * wi;
          const xi = br * wi + bi * wr;
          const ar = re[a] as number;
          const ai = im[a] as number;
          re[a] = ar + xr;
          im[a] = ai + xi;
          re[b] = ar - xr;
          im[b] = ai - xi;
        }
      }
    }
    if (inverse && normalise) {
      for (let i = 0; i < n; i++) {
        const a = offset + i * stride;
        re[a] = (re[a] as number) / n;
        im[a] = (im[a] as number) / n;
      }
    }
  }
}

/**
 * The 2-D transform of a rows×cols row-major array in place: every row by `rowFft` (size cols),
 * then every column by `columnFft` (size rows), strided (the scattering transform's grids are at
 * most a few hundred KiB, so the strided passes stay in cache). An inverse transform is divided by
 * rows·cols unless `normalise` is false.
 */
export function fft2d(re: Float64Array, im: Float64Array, columnFft: Fft, rowFft: Fft, inverse: boolean, normalise = true): void {
  const rows = columnFft.size;
  const cols = rowFft.size;
  for (let row = 0; row < rows; row++) rowFft.transform(re, im, inverse, row * cols, 1, normalise);
  for (let col = 0; col < cols; col++) columnFft.transform(re, im, inverse, col, cols, normalise);
}
