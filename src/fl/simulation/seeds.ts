/**
 * Independent seeds for the parts of one run (split, partition, initialisation, sampling, each
 * client's shuffles) derived from the one seed the user gives, so that changing how many draws
 * one part makes never shifts another part's randomness.
 */
import { check } from '../../errors.js';

/** A 32-bit seed from (seed, label): FNV-1a over the label, then the splitmix32 finaliser. */
export function deriveSeed(seed: number, label: string): number {
  check(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32, 'seed', seed, 'an integer in [0, 2^32)');
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash = (hash + 0x9e3779b9) >>> 0;
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}
