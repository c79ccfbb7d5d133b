/**
 * Fixed-point encoding of real vectors into Z_{2^32} for secure aggregation, with headroom so
 * that the sum of `clients` encoded vectors never wraps, and unbiased stochastic rounding
 * (Gupta et al., ICML 2015, "Deep Learning with Limited Numerical Precision"; as used with
 * SecAgg by Kairouz, Liu & Steinke, ICML 2021).
 *
 * Plan: per-client magnitude bound M = ⌊(2^31 − 1)/clients⌋ and scale = M / range. A value is
 * clipped to [−range, range], multiplied by scale (so |v·scale| ≤ M), and rounded to ⌊v·scale⌋
 * or ⌈v·scale⌉ with P(up) = frac(v·scale), hence E[q] = v·scale and |q| ≤ M. The sum of at most
 * `clients` such integers has |Σ q| ≤ clients·M ≤ 2^31 − 1, so its residue mod 2^32, read as a
 * centred integer in [−2^31, 2^31), is exactly Σ q. Resolution: 1/scale = range/M per client.
 */
import { type RandomSource, requireSecure } from '../crypto/random.js';
import { CohortError, check } from '../errors.js';

export interface FixedPointPlan {
  readonly range: number;
  readonly clients: number;
  /** Integers per unit: |v| ≤ range encodes to |q| ≤ range·scale = ⌊(2^31 − 1)/clients⌋. */
  readonly scale: number;
  readonly bits: 32;
}

/** Values per bulk draw of rounding coins (128 KiB of randomness). */
const COIN_CHUNK = 8192;
const HALF_RING = 2 ** 31;
const RING = 2 ** 32;

/** The largest |q| one client may contribute under `plan`. */
export function maxMagnitude(plan: FixedPointPlan): number {
  return Math.floor((HALF_RING - 1) / plan.clients);
}

export function planFixedPoint(range: number, clients: number): FixedPointPlan {
  check(Number.isFinite(range) && range > 0, 'range', range, 'a positive finite number');
  check(Number.isInteger(clients) && clients >= 1 && clients <= HALF_RING - 1, 'clients', clients, 'an integer in [1, 2^31 − 1]');
  const magnitude = Math.floor((HALF_RING - 1) / clients);
  return { range, clients, scale: magnitude / range, bits: 32 };
}

function checkPlan(plan: FixedPointPlan): number {
  check(Number.isFinite(plan.range) && plan.range > 0, 'plan.range', plan.range, 'a positive finite number');
  check(Number.isInteger(plan.clients) && plan.clients >= 1, 'plan.clients', plan.clients, 'a positive integer');
  const magnitude = maxMagnitude(plan);
  check(
    Number.isFinite(plan.scale) && plan.scale > 0 && plan.scale * plan.range <= magnitude * (1 + 1e-12),
    'plan.scale',
    plan.scale,
    `positive with scale·range ≤ ${magnitude} (use planFixedPoint)`,
  );
  check(plan.bits === 32, 'plan.bits', plan.bits, '32');
  return magnitude;
}

/**
 * Clips each value to [−range, range], scales and rounds stochastically (unbiased), and returns
 * the two's-complement residues mod 2^32. The rounding coins come from `rng` (default: the CSPRNG,
 * through requireSecure, because distributed-DP encoders build on this).
 */
export function quantize(values: ArrayLike<number>, plan: FixedPointPlan, rng?: RandomSource): Uint32Array {
  const magnitude = checkPlan(plan);
  const source = requireSecure(rng, 'stochastic rounding');
  const { range, scale } = plan;
  const out = new Uint32Array(values.length);
  // The coins are drawn in bulk (one fillBytes per chunk instead of two uint32 calls per value,
  // which dominated the cost with the buffered CSPRNG) and turned into the same 53-bit uniforms
  // as RandomSource.uniform: two words per value, high 27 and low 26 bits.
  const coins = new Uint32Array(2 * Math.min(COIN_CHUNK, values.length));
  const coinBytes = new Uint8Array(coins.buffer);
  try {
    for (let start = 0; start < values.length; start += COIN_CHUNK) {
      const end = Math.min(values.length, start + COIN_CHUNK);
      source.fillBytes(coinBytes.subarray(0, 8 * (end - start)));
      for (let i = start, j = 0; i < end; i++, j += 2) {
        const value = values[i] as number;
        if (!Number.isFinite(value)) {
          throw new CohortError('INVALID_ARGUMENT', `values[${i}] must be finite (got ${value})`, { subject: 'values' });
        }
        const scaled = (value > range ? range : value < -range ? -range : value) * scale;
        const floor = Math.floor(scaled);
        const uniform = (((coins[j] as number) >>> 5) * 67108864 + ((coins[j + 1] as number) >>> 6)) / 9007199254740992;
        let q = uniform < scaled - floor ? floor + 1 : floor;
        // v·scale can exceed M by a rounding ulp at the clip boundary; never past M.
        if (q > magnitude) q = magnitude;
        else if (q < -magnitude) q = -magnitude;
        out[i] = q; // Uint32Array stores ToUint32(q): q mod 2^32 (two's complement)
      }
    }
  } finally {
    coins.fill(0); // used randomness is not left behind
  }
  return out;
}

/** Reads each residue as a centred integer in [−2^31, 2^31) and divides by the scale. */
export function dequantizeSum(sum: Uint32Array, plan: FixedPointPlan): Float64Array {
  checkPlan(plan);
  check(sum instanceof Uint32Array, 'sum', sum, 'a Uint32Array');
  const out = new Float64Array(sum.length);
  const { scale } = plan;
  for (let i = 0; i < sum.length; i++) {
    const r = sum[i] as number;
    out[i] = (r >= HALF_RING ? r - RING : r) / scale;
  }
  return out;
}
