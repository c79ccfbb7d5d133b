/**
 * Client sampling per round: FedAvg selects m = max(⌈C·K⌉, minimum) of the K clients uniformly
 * without replacement (McMahan et al. 2017, Algorithm 1, "m ← max(C·K, 1)").
 */
import type { RandomSource } from '../crypto/random.js';
import { check } from '../errors.js';

/** How many of `available` clients a round with this `fraction` uses. */
export function sampleSize(available: number, fraction: number, minClients = 1): number {
  check(Number.isInteger(available) && available >= 1, 'available', available, 'an integer ≥ 1');
  check(Number.isFinite(fraction) && fraction > 0 && fraction <= 1, 'fraction', fraction, 'in (0, 1]');
  check(Number.isInteger(minClients) && minClients >= 1, 'minClients', minClients, 'an integer ≥ 1');
  // The small tolerance keeps products like 0.29·100 = 28.999999999999996 at 29.
  const wanted = Math.ceil(fraction * available - 1e-9);
  return Math.min(available, Math.max(minClients, wanted));
}

/**
 * `count` distinct items of `items` chosen uniformly at random (partial Fisher–Yates), returned
 * in their original order so that results do not depend on the draw order.
 */
export function sampleWithoutReplacement<T>(items: readonly T[], count: number, rng: RandomSource): T[] {
  check(Number.isInteger(count) && count >= 0 && count <= items.length, 'count', count, `an integer in [0, ${items.length}]`);
  if (count === items.length) return [...items];
  const indices = Array.from(items, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + rng.uniformInt(indices.length - i);
    const chosen = indices[j] as number;
    indices[j] = indices[i] as number;
    indices[i] = chosen;
  }
  return indices
    .slice(0, count)
    .sort((a, b) => a - b)
    .map((i) => items[i] as T);
}

/** The clients of one round: ⌈fraction·K⌉ of them (at least `minClients`), uniformly at random. */
export function sampleClients<T>(clients: readonly T[], fraction: number, rng: RandomSource, minClients = 1): T[] {
  return sampleWithoutReplacement(clients, sampleSize(clients.length, fraction, minClients), rng);
}
