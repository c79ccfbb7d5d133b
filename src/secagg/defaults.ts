/**
 * Default degree k and threshold t of the SecAgg+ neighbour graph (Bell et al., CCS 2020,
 * "Secure Single-Server Aggregation with (Poly)Logarithmic Overhead").
 *
 * The graph is a Harary (circulant) graph under a uniformly random relabelling (see graph.ts).
 * `defaultNeighbours(n)` is the smallest even k for which, with t = ⌊k/2⌋ + 1, up to
 * DROPOUT_RATE of the clients dropping and up to CORRUPT_RATE colluding with the server:
 *  1. security: the graph of honest survivors stays connected except with probability 2^-40
 *     (otherwise the server learns partial sums of components). A set of removed nodes can
 *     disconnect a Harary graph only if it holds k/2 ring-consecutive nodes in two disjoint places;
 *     a union bound over the ≤ n(n−k−1)/2 pairs of such gaps gives
 *       P ≤ n(n−k−1)/2 · Π_{i<k} (B−i)/(n−i),   B = corrupt + dropped clients
 *     (Bell et al. 2020; the same bound as Google's fcp/secagg graph_parameter_finder);
 *  2. security: a client has t or more corrupt neighbours (who could pool t shares of its
 *     secrets) with probability ≤ 2^-41/n — hypergeometric tail, its neighbours being a uniform
 *     k-subset of the others;
 *  3. correctness: a client has fewer than t surviving neighbours (its secrets could not be
 *     rebuilt and the round would abort) with probability ≤ 2^-20/n.
 * The result grows as O(log n), as Bell et al. show suffices: 22 at n = 100, 36 at n = 1,000,
 * 42 at n = 10,000. With few clients the complete graph costs little, so the default is at least
 * SMALL_FEDERATION = 12, i.e. the complete graph (Bonawitz et al. CCS 2017) up to n = 13.
 */
import { check } from '../errors.js';
import { MAX_CLIENTS } from './parameters.js';

/** Fraction of clients assumed to drop out during a round (the 10 % scenario). */
export const DROPOUT_RATE = 0.1;
/** Fraction of clients assumed to collude with the server (Bell et al.'s 5 % example). */
export const CORRUPT_RATE = 0.05;
/** Statistical security parameter σ (failure of privacy ≤ 2^-σ). */
export const SECURITY_BITS = 40;
/** Correctness parameter η (an aborted round from unlucky dropouts ≤ 2^-η). */
export const CORRECTNESS_BITS = 20;
/** Floor on the default degree: the complete graph up to n = 13. */
export const SMALL_FEDERATION = 12;

const smallLogFactorials: number[] = [0];
for (let i = 1; i < 256; i++) smallLogFactorials[i] = (smallLogFactorials[i - 1] as number) + Math.log(i);

/** ln(m!) — exact table below 256, Stirling's series above (error < 1e-12 there). */
function logFactorial(m: number): number {
  if (m < 256) return smallLogFactorials[m] as number;
  return (m + 0.5) * Math.log(m) - m + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * m) - 1 / (360 * m ** 3);
}

function logBinomial(a: number, b: number): number {
  if (b < 0 || b > a) return -Infinity;
  return logFactorial(a) - logFactorial(b) - logFactorial(a - b);
}

/** P(X ≥ m) for X ~ Hypergeometric(population, successes, draws). */
export function hypergeometricTail(population: number, successes: number, draws: number, m: number): number {
  const denominator = logBinomial(population, draws);
  let total = 0;
  for (let x = Math.max(m, 0); x <= Math.min(successes, draws); x++) {
    total += Math.exp(logBinomial(successes, x) + logBinomial(population - successes, draws - x) - denominator);
  }
  return total;
}

/** log2 of the union bound on the honest-survivor Harary graph being disconnected (condition 1). */
function log2DisconnectBound(n: number, k: number, bad: number): number {
  if (k > bad) return -Infinity; // fewer than k bad nodes can never cut a graph of connectivity k
  let log2 = Math.log2(n) + Math.log2(n - k - 1) - 1;
  for (let i = 0; i < k; i++) log2 += Math.log2((bad - i) / (n - i));
  return log2;
}

function meetsConditions(n: number, k: number): boolean {
  const t = Math.floor(k / 2) + 1;
  const corrupt = Math.ceil(CORRUPT_RATE * n);
  const dropped = Math.ceil(DROPOUT_RATE * n);
  if (log2DisconnectBound(n, k, corrupt + dropped) >= -(SECURITY_BITS + 1)) return false;
  if (hypergeometricTail(n - 1, corrupt, k, t) > 2 ** -(SECURITY_BITS + 1) / n) return false;
  return hypergeometricTail(n - 1, dropped, k, k - t + 1) <= 2 ** -CORRECTNESS_BITS / n;
}

/** Default neighbours k for n clients: O(log n) (Bell et al. 2020), never more than n − 1. */
export function defaultNeighbours(n: number): number {
  check(Number.isInteger(n) && n >= 2 && n <= MAX_CLIENTS, 'n', n, `an integer in [2, ${MAX_CLIENTS}]`);
  for (let k = 2; k < n - 1; k += 2) {
    if (meetsConditions(n, k)) return Math.min(n - 1, Math.max(k, SMALL_FEDERATION));
  }
  return n - 1;
}

/**
 * Default threshold t = ⌊k/2⌋ + 1: the smallest t > k/2 (so no server can obtain both kinds of
 * shares of one client from honest holders; Bonawitz et al. 2017 §4), which tolerates the most
 * dropped neighbours (k − t) per client. Against c neighbours colluding with a server that also
 * lies about dropouts, the both-shares guarantee needs 2t > k + c: pass a larger t for that.
 */
export function defaultThreshold(n: number, k: number): number {
  check(Number.isInteger(n) && n >= 2 && n <= MAX_CLIENTS, 'n', n, `an integer in [2, ${MAX_CLIENTS}]`);
  check(Number.isInteger(k) && k >= 1 && k <= n - 1, 'k', k, `an integer in [1, ${n - 1}]`);
  return Math.floor(k / 2) + 1;
}
