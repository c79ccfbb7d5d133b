/**
 * At most `limit` tasks at once, the rest wait in arrival order. Simulated clients share a few
 * threads; if every client of a stage started its masking at once, thousands of keystream
 * buffers would be in flight (1,000 clients × 8 expansions × 400 KB), and the round would drown
 * in copying and garbage collection instead of computing.
 */
import { check } from '../../errors.js';

export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    check(Number.isInteger(limit) && limit >= 1, 'limit', limit, 'an integer ≥ 1');
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The slot passes to the next waiter directly (running stays the same), or is freed.
      if (next === undefined) this.running--;
      else next();
    }
  }
}

/** Simulated clients doing protocol work at once per thread (each already runs 8 mask expansions in parallel). */
export const SIMULATED_CLIENTS_AT_ONCE = 4;
