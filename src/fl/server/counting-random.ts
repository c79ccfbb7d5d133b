/**
 * The federation's seeded generator, resumable: it counts its 32-bit draws so a checkpoint can
 * record where the stream stood and a resumed server can fast-forward to exactly that point
 * (xoshiro128** has no cheap jump-by-n, but a few thousand draws per round cost nothing).
 */
import { SeededRandom } from '../../crypto/random.js';
import { check } from '../../errors.js';

export class CountingRandom extends SeededRandom {
  private count = 0;

  constructor(seed: number, skip = 0) {
    super(seed);
    check(Number.isSafeInteger(skip) && skip >= 0, 'skip', skip, 'an integer ≥ 0');
    for (let i = 0; i < skip; i++) this.uint32();
  }

  override uint32(): number {
    this.count++;
    return super.uint32();
  }

  get draws(): number {
    return this.count;
  }
}
