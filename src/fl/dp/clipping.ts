/**
 * Clipping a client's model update to an L2 ball, the step that bounds one user's influence on
 * the aggregate in DP-FedAvg (McMahan, Ramage, Talwar & Zhang, ICLR 2018, "Learning
 * differentially private recurrent language models", Algorithm 1, ClipFn with flat clipping):
 *   Δ = w_local − w_global,   Δ' = Δ · min(1, C / ‖Δ‖₂).
 * Norms and differences are taken in float64 from the float32 weights.
 */
import { check } from '../../errors.js';

/** ‖x‖₂ with float64 accumulation. */
export function l2Norm(vector: Float32Array | Float64Array): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i] as number;
    sum += x * x;
  }
  return Math.sqrt(sum);
}

/** ‖local − global‖₂ in float64, without materialising the difference. */
export function updateNorm(local: Float32Array, global: Float32Array): number {
  check(local.length === global.length, 'local.length', local.length, `equal to global.length = ${global.length}`);
  let sum = 0;
  for (let i = 0; i < local.length; i++) {
    const d = (local[i] as number) - (global[i] as number);
    sum += d * d;
  }
  return Math.sqrt(sum);
}

export interface ClippedUpdate {
  /** global + Δ·scale as float32; the very `local` array when nothing was clipped. */
  readonly weights: Float32Array;
  /** ‖Δ‖₂ before clipping. */
  readonly norm: number;
  /** min(1, C / ‖Δ‖₂). */
  readonly scale: number;
  /** True when ‖Δ‖₂ ≤ C (Andrew et al. 2021's bit b). */
  readonly unclipped: boolean;
}

export function checkClippingNorm(clippingNorm: number, name = 'clippingNorm'): void {
  check(typeof clippingNorm === 'number' && Number.isFinite(clippingNorm) && clippingNorm > 0, name, clippingNorm, 'a finite number > 0');
}

/**
 * Clips the update local − global to L2 norm `clippingNorm`. When the update is already inside the
 * ball the input array is returned untouched (so clipping with a huge norm changes nothing, bit for bit).
 */
export function clipUpdate(local: Float32Array, global: Float32Array, clippingNorm: number): ClippedUpdate {
  check(local instanceof Float32Array, 'local', typeof local, 'a Float32Array');
  check(global instanceof Float32Array, 'global', typeof global, 'a Float32Array');
  checkClippingNorm(clippingNorm);
  const norm = updateNorm(local, global);
  if (!(norm > clippingNorm)) return { weights: local, norm, scale: 1, unclipped: true };
  const scale = clippingNorm / norm;
  const weights = new Float32Array(local.length);
  for (let i = 0; i < local.length; i++) {
    const g = global[i] as number;
    weights[i] = g + ((local[i] as number) - g) * scale;
  }
  return { weights, norm, scale, unclipped: false };
}
