/**
 * The SecAgg+ neighbour graph (Bell et al., CCS 2020): a Harary graph H(k, n) — the circulant
 * ring where position p is joined to p ± 1, …, p ± k/2 (mod n) — under a uniformly random
 * permutation of the clients onto positions, drawn by the server from the CSPRNG.
 *
 * Honest properties: k-regular; vertex connectivity k (removing fewer than k clients never
 * disconnects it, and cutting it needs k/2 ring-consecutive removed clients in two places); each
 * client's neighbour set is a uniformly random k-subset of the others, so per-client
 * (hypergeometric) bounds hold exactly. It is NOT a uniformly random k-regular graph: the
 * neighbourhoods of ring-adjacent clients overlap heavily, so events at different clients are
 * correlated (defaults.ts only uses per-client bounds and a union bound). With k = n − 1 it is
 * the complete graph of Bonawitz et al. (CCS 2017).
 */
import type { RandomSource } from '../crypto/random.js';
import { check } from '../errors.js';

export class NeighbourGraph {
  readonly size: number;
  readonly degree: number;
  /** position[client] = ring position; clientAt[position] = client. */
  private readonly position: Int32Array;
  private readonly clientAt: Int32Array;
  private readonly lists: (readonly number[])[];

  private constructor(size: number, degree: number, clientAt: Int32Array) {
    this.size = size;
    this.degree = degree;
    this.clientAt = clientAt;
    this.position = new Int32Array(size);
    for (let p = 0; p < size; p++) this.position[clientAt[p] as number] = p;
    this.lists = [];
    for (let u = 0; u < size; u++) this.lists.push(this.computeNeighbours(u));
  }

  /** A random Harary graph on `size` clients with `degree` neighbours each (even, or size − 1). */
  static random(size: number, degree: number, rng: RandomSource): NeighbourGraph {
    check(Number.isInteger(size) && size >= 2, 'size', size, 'an integer ≥ 2');
    check(
      Number.isInteger(degree) && degree >= 1 && degree <= size - 1 && (degree % 2 === 0 || degree === size - 1),
      'degree',
      degree,
      `an even integer in [2, ${size - 1}] or ${size - 1}`,
    );
    const clientAt = new Int32Array(size);
    for (let i = 0; i < size; i++) clientAt[i] = i;
    // Fisher–Yates with the unbiased uniformInt: a uniform permutation.
    for (let i = size - 1; i > 0; i--) {
      const j = rng.uniformInt(i + 1);
      const tmp = clientAt[i] as number;
      clientAt[i] = clientAt[j] as number;
      clientAt[j] = tmp;
    }
    return new NeighbourGraph(size, degree, clientAt);
  }

  /** The graph with the identity placement (client i at ring position i); for tests. */
  static ring(size: number, degree: number): NeighbourGraph {
    const clientAt = new Int32Array(size);
    for (let i = 0; i < size; i++) clientAt[i] = i;
    return new NeighbourGraph(size, degree, clientAt);
  }

  get complete(): boolean {
    return this.degree === this.size - 1;
  }

  /** Neighbours of client `u` (roster indices), ascending. */
  neighbours(u: number): readonly number[] {
    const list = this.lists[u];
    if (list === undefined) throw new RangeError(`client index ${u} out of range`);
    return list;
  }

  isNeighbour(u: number, v: number): boolean {
    if (u === v) return false;
    if (this.complete) return true;
    const d = Math.abs((this.position[u] as number) - (this.position[v] as number));
    return Math.min(d, this.size - d) <= this.degree / 2;
  }

  private computeNeighbours(u: number): number[] {
    const out: number[] = [];
    if (this.complete) {
      for (let v = 0; v < this.size; v++) if (v !== u) out.push(v);
      return out;
    }
    const p = this.position[u] as number;
    for (let d = 1; d <= this.degree / 2; d++) {
      out.push(this.clientAt[(p + d) % this.size] as number, this.clientAt[(p - d + this.size) % this.size] as number);
    }
    return out.sort((a, b) => a - b);
  }
}
