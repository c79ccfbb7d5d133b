/**
 * Seeded weight initialisation: the same seed gives bit-identical weights on every platform,
 * because the numbers come from our SeededRandom, not from the backend's generator.
 */
import { SeededRandom } from '../crypto/random.js';
import type { Architecture } from './architecture.js';

/**
 * Kernels: Glorot/Xavier uniform, U(−l, l) with l = √(6 / (fan_in + fan_out)) (Glorot & Bengio
 * 2010, "Understanding the difficulty of training deep feedforward neural networks", eq. 16;
 * Keras' default). Biases: zero.
 */
export function initialWeights(architecture: Architecture, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  const weights = new Float32Array(architecture.numParameters);
  let offset = 0;
  for (const parameter of architecture.parameters) {
    if (parameter.role === 'kernel') {
      const limit = Math.sqrt(6 / (parameter.fanIn + parameter.fanOut));
      for (let i = 0; i < parameter.size; i++) weights[offset + i] = (2 * rng.uniform() - 1) * limit;
    }
    offset += parameter.size;
  }
  return weights;
}
