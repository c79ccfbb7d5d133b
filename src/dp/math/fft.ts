/**
 * Radix-2 complex FFT on split real/imaginary Float64Arrays (iterative Cooley–Tukey, decimation in
 * time, bit-reversal permutation first). Cooley & Tukey, "An algorithm for the machine calculation of
 * complex Fourier series", Math. Comp. 19 (1965) 297–301.
 *
 * Twiddle factors come from one table of cos/sin of 2πk/n computed directly (not by recurrence), so the
 * round-off stays at O(ε·log n) relative to the largest input value, which is what the privacy-loss
 * accountant needs when it raises a transform to a large power.
 */
import { check } from '../../errors.js';

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0 && n <= 2 ** 30;
}

/** The smallest power of two ≥ n (n ≥ 1, result ≤ 2^30). */
export function nextPowerOfTwo(n: number): number {
  check(Number.isFinite(n) && n >= 1 && n <= 2 ** 30, 'n', n, 'a number in [1, 2^30]');
  let size = 1;
  while (size < n) size *= 2;
  return size;
}

interface Twiddles {
  readonly cos: Float64Array;
  readonly sin: Float64Array;
}

const twiddleCache = new Map<number, Twiddles>();

function twiddles(n: number): Twiddles {
  let table = twiddleCache.get(n);
  if (table === undefined) {
    const half = n / 2;
    const cos = new Float64Array(half);
    const sin = new Float64Array(half);
    for (let k = 0; k < half; k++) {
      const angle = (2 * Math.PI * k) / n;
      cos[k] = Math.cos(angle);
      sin[k] = Math.sin(angle);
    }
    table = { cos, sin };
    // Keep only a few sizes: accountants reuse one or two.
    if (twiddleCache.size > 4) twiddleCache.clear();
    twiddleCache.set(n, table);
  }
  return table;
}

function bitReverse(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = re[i] as number;
      re[i] = re[j] as number;
      re[j] = tr;
      const ti = im[i] as number;
      im[i] = im[j] as number;
      im[j] = ti;
    }
  }
}

function transform(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  check(im.length === n, 'im.length', im.length, `equal to re.length = ${n}`);
  check(isPowerOfTwo(n), 're.length', n, 'a power of two');
  if (n === 1) return;
  bitReverse(re, im);
  const { cos, sin } = twiddles(n);
  // Forward: e^{−2πik/n}; inverse: e^{+2πik/n}.
  const sign = inverse ? 1 : -1;
  for (let size = 2; size <= n; size *= 2) {
    const half = size / 2;
    const stride = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * stride] as number;
        const wi = sign * (sin[k * stride] as number);
        const a = start + k;
        const b = a + half;
        const br = re[b] as number;
        const bi = im[b] as number;
        const tr = br * wr - bi * wi;
        const ti = br * wi + bi * wr;
        const ar = re[a] as number;
        const ai = im[a] as number;
        re[b] = ar - tr;
        im[b] = ai - ti;
        re[a] = ar + tr;
        im[a] = ai + ti;
      }
    }
  }
  if (inverse) {
    const scale = 1 / n;
    for (let i = 0; i < n; i++) {
      re[i] = (re[i] as number) * scale;
      im[i] = (im[i] as number) * scale;
    }
  }
}

/** In-place forward DFT: X[k] = Σ x[j]·e^{−2πijk/n}. Length must be a power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  transform(re, im, false);
}

/** In-place inverse DFT: x[j] = (1/n) Σ X[k]·e^{+2πijk/n}. */
export function inverseFft(re: Float64Array, im: Float64Array): void {
  transform(re, im, true);
}

/** Twiddle W^k = e^{−2πik/n} for 0 ≤ k < n/2 from the size-n table. */
function halfSpectrumTwiddles(n: number): Twiddles {
  return twiddles(n);
}

/**
 * The DFT of a real sequence of even power-of-two length n, computed with one complex FFT of length
 * n/2 (even samples as real part, odd samples as imaginary part, then one butterfly pass; Cooley,
 * Lewis & Welch 1970, "The fast Fourier transform algorithm: programming considerations in the
 * calculation of sine, cosine and Laplace transforms"). Returns bins 0..n/2 (the rest are conjugates).
 */
export function realFft(input: Float64Array): { re: Float64Array; im: Float64Array } {
  const n = input.length;
  check(isPowerOfTwo(n) && n >= 2, 'input.length', n, 'a power of two ≥ 2');
  const m = n / 2;
  const zRe = new Float64Array(m);
  const zIm = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    zRe[k] = input[2 * k] as number;
    zIm[k] = input[2 * k + 1] as number;
  }
  fft(zRe, zIm);
  const re = new Float64Array(m + 1);
  const im = new Float64Array(m + 1);
  const { cos, sin } = halfSpectrumTwiddles(n);
  // E_k = (Z_k + conj Z_{m−k})/2, O_k = −i(Z_k − conj Z_{m−k})/2, X_k = E_k + W^k·O_k.
  re[0] = (zRe[0] as number) + (zIm[0] as number);
  im[0] = 0;
  re[m] = (zRe[0] as number) - (zIm[0] as number);
  im[m] = 0;
  for (let k = 1; k < m; k++) {
    const ar = zRe[k] as number;
    const ai = zIm[k] as number;
    const br = zRe[m - k] as number;
    const bi = -(zIm[m - k] as number);
    const er = 0.5 * (ar + br);
    const ei = 0.5 * (ai + bi);
    const or = 0.5 * (ai - bi);
    const oi = -0.5 * (ar - br);
    const wr = cos[k] as number;
    const wi = -(sin[k] as number);
    re[k] = er + wr * or - wi * oi;
    im[k] = ei + wr * oi + wi * or;
  }
  return { re, im };
}

/**
 * The inverse of realFft: from bins 0..n/2 of a Hermitian spectrum, the real sequence of length n
 * (Z_k = E_k + i·O_k with E_k = (X_k + conj X_{m−k})/2, O_k = (X_k − conj X_{m−k})·W^{−k}/2).
 */
export function inverseRealFft(re: Float64Array, im: Float64Array, n: number): Float64Array {
  check(isPowerOfTwo(n) && n >= 2, 'n', n, 'a power of two ≥ 2');
  const m = n / 2;
  check(re.length === m + 1 && im.length === m + 1, 're.length', re.length, `n/2 + 1 = ${m + 1}`);
  const zRe = new Float64Array(m);
  const zIm = new Float64Array(m);
  const { cos, sin } = halfSpectrumTwiddles(n);
  for (let k = 0; k < m; k++) {
    const ar = re[k] as number;
    const ai = im[k] as number;
    const br = re[m - k] as number;
    const bi = -(im[m - k] as number);
    const er = 0.5 * (ar + br);
    const ei = 0.5 * (ai + bi);
    const dr = 0.5 * (ar - br);
    const di = 0.5 * (ai - bi);
    // O_k = D_k·W^{−k}, W^{−k} = cos + i·sin.
    const wr = cos[k] as number;
    const wi = sin[k] as number;
    const or = dr * wr - di * wi;
    const oi = dr * wi + di * wr;
    zRe[k] = er - oi;
    zIm[k] = ei + or;
  }
  inverseFft(zRe, zIm);
  const out = new Float64Array(n);
  for (let k = 0; k < m; k++) {
    out[2 * k] = zRe[k] as number;
    out[2 * k + 1] = zIm[k] as number;
  }
  return out;
}

/**
 * Linear convolution of two real sequences through one FFT of size ≥ a.length + b.length − 1.
 * Negative round-off in the result is left as is; callers that hold probabilities clamp it.
 */
export function convolveReal(a: Float64Array, b: Float64Array): Float64Array {
  check(a.length >= 1, 'a.length', a.length, 'at least 1');
  check(b.length >= 1, 'b.length', b.length, 'at least 1');
  const outLength = a.length + b.length - 1;
  const n = nextPowerOfTwo(outLength);
  const aRe = new Float64Array(n);
  const aIm = new Float64Array(n);
  const bRe = new Float64Array(n);
  const bIm = new Float64Array(n);
  aRe.set(a);
  bRe.set(b);
  fft(aRe, aIm);
  fft(bRe, bIm);
  for (let k = 0; k < n; k++) {
    const xr = aRe[k] as number;
    const xi = aIm[k] as number;
    const yr = bRe[k] as number;
    const yi = bIm[k] as number;
    aRe[k] = xr * yr - xi * yi;
    aIm[k] = xr * yi + xi * yr;
  }
  inverseFft(aRe, aIm);
  return aRe.slice(0, outLength);
}
