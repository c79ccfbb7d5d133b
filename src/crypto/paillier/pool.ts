/**
 * An offline pool of precomputed random factors r^n mod n²: filled ahead of time (here, lazily,
 * or by worker threads through `refill`), so that online encryption is one multiplication
 * (1 + m·n)·f mod n². Each factor is handed out once and dropped.
 */
import { check } from '../../errors.js';
import type { ObfuscatorSource } from './obfuscators.js';

export interface ObfuscatorPoolOptions {
  /** Factors kept ready (default 1024). */
  readonly capacity?: number;
}

export class ObfuscatorPool implements ObfuscatorSource {
  readonly n: bigint;
  readonly capacity: number;
  private readonly source: ObfuscatorSource;
  private readonly factors: bigint[] = [];
  private missCount = 0;

  constructor(source: ObfuscatorSource, options: ObfuscatorPoolOptions = {}) {
    const capacity = options.capacity ?? 1024;
    check(Number.isInteger(capacity) && capacity >= 1, 'capacity', capacity, 'a positive integer');
    this.source = source;
    this.n = source.n;
    this.capacity = capacity;
  }

  /** Factors ready now. */
  get size(): number {
    return this.factors.length;
  }

  /** Times `next()` found the pool empty and computed a factor online. */
  get misses(): number {
    return this.missCount;
  }

  /** Computes factors on this thread until `count` more are stored or the pool is full. */
  fill(count = this.capacity): void {
    check(Number.isInteger(count) && count >= 0, 'count', count, 'a non-negative integer');
    const target = Math.min(this.capacity, this.factors.length + count);
    while (this.factors.length < target) this.factors.push(this.source.next());
  }

  /** Stores factors computed elsewhere (a worker thread); extra ones beyond capacity are dropped. */
  add(factors: Iterable<bigint>): void {
    const nSquared = this.n * this.n;
    for (const factor of factors) {
      if (this.factors.length >= this.capacity) break;
      check(typeof factor === 'bigint' && factor > 0n && factor < nSquared, 'factor', factor, 'an integer in (0, n²)');
      this.factors.push(factor);
    }
  }

  /** Tops the pool up with factors from an asynchronous producer (e.g. PaillierWorkerPool.factors). */
  async refill(produce: (count: number) => Promise<readonly bigint[]>): Promise<void> {
    const missing = this.capacity - this.factors.length;
    if (missing > 0) this.add(await produce(missing));
  }

  next(): bigint {
    const factor = this.factors.pop();
    if (factor !== undefined) return factor;
    this.missCount++;
    return this.source.next();
  }
}
