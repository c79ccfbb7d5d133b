/**
 * Poisson sampling of clients: each client takes part in a round independently with probability
 * `sampleRate`. This is the sampling the subsampled-Gaussian analyses assume (Abadi et al. 2016;
 * Mironov, Talwar & Zhang 2019, "Rényi differential privacy of the sampled Gaussian mechanism";
 * McMahan et al. 2018, Algorithm 1: "C^t ← (sample users with probability q)"). The round size
 * varies and may be zero. The draws come from a CSPRNG: the amplification argument needs the
 * sample to be secret.
 */
import { type RandomSource, requireSecure } from '../../crypto/random.js';
import { check } from '../../errors.js';

export function poissonSample<T>(items: readonly T[], sampleRate: number, rng: RandomSource | undefined): T[] {
  check(Array.isArray(items), 'items', typeof items, 'an array');
  check(Number.isFinite(sampleRate) && sampleRate > 0 && sampleRate <= 1, 'sampleRate', sampleRate, 'in (0, 1]');
  if (sampleRate === 1) return [...items];
  const source = requireSecure(rng, 'Poisson client sampling');
  return items.filter(() => source.uniform() < sampleRate);
}
