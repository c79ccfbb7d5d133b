/**
 * Privacy events: plain descriptions of what a mechanism did, which accountants compose. An accountant
 * never sees an optimiser or a model, only these records (docs/dp-accounting.md).
 *
 * Sensitivity is 1 throughout: a Gaussian event with noiseMultiplier s added N(0, (s·Δ)²) noise to a
 * query of L2 sensitivity Δ; a Laplace event with epsilon e added Laplace noise of scale Δ/e to a query
 * of L1 sensitivity Δ. Adjacency is add/remove-one (the relation Poisson subsampling is analysed under).
 */
import { CohortError, check } from '../../errors.js';

/** Poisson-subsampled Gaussian (one DP-SGD step repeated `steps` times). */
export interface PoissonGaussianEvent {
  readonly kind: 'poisson-gaussian';
  readonly noiseMultiplier: number;
  /** Probability that each record joins a batch, in (0, 1]. */
  readonly sampleRate: number;
  readonly steps: number;
}

/** Gaussian mechanism on the whole data set (sampleRate 1), repeated `count` times. */
export interface GaussianEvent {
  readonly kind: 'gaussian';
  readonly noiseMultiplier: number;
  readonly count?: number;
}

/** Laplace mechanism with privacy parameter epsilon = sensitivity / scale, repeated `count` times. */
export interface LaplaceEvent {
  readonly kind: 'laplace';
  readonly epsilon: number;
  readonly count?: number;
}

/** Poisson-subsampled Laplace mechanism. */
export interface PoissonLaplaceEvent {
  readonly kind: 'poisson-laplace';
  readonly epsilon: number;
  readonly sampleRate: number;
  readonly steps: number;
}

/** Any mechanism known only to be epsilon-DP (e.g. the exponential mechanism), repeated `count` times. */
export interface PureDpEvent {
  readonly kind: 'pure-dp';
  readonly epsilon: number;
  readonly count?: number;
}

/** Any mechanism known only to be (epsilon, delta)-DP, repeated `count` times. */
export interface ApproximateDpEvent {
  readonly kind: 'approximate-dp';
  readonly epsilon: number;
  readonly delta: number;
  readonly count?: number;
}

export type PrivacyEvent =
  | PoissonGaussianEvent
  | GaussianEvent
  | LaplaceEvent
  | PoissonLaplaceEvent
  | PureDpEvent
  | ApproximateDpEvent;

export type PrivacyEventKind = PrivacyEvent['kind'];

/** How many times the event's mechanism ran. */
export function eventRepetitions(event: PrivacyEvent): number {
  if (event.kind === 'poisson-gaussian' || event.kind === 'poisson-laplace') return event.steps;
  return event.count ?? 1;
}

function checkCount(name: string, value: unknown): void {
  check(typeof value === 'number' && Number.isSafeInteger(value) && value >= 1, name, value, 'an integer ≥ 1');
}

function checkPositive(name: string, value: unknown): void {
  check(typeof value === 'number' && Number.isFinite(value) && value > 0, name, value, 'a finite number > 0');
}

function checkSampleRate(value: unknown): void {
  check(typeof value === 'number' && value > 0 && value <= 1, 'sampleRate', value, 'in (0, 1]');
}

/** Throws INVALID_ARGUMENT naming the field and value unless `event` is a well-formed privacy event. */
export function validateEvent(event: PrivacyEvent): void {
  check(typeof event === 'object' && event !== null, 'event', event, 'a privacy event object');
  switch (event.kind) {
    case 'poisson-gaussian':
      checkPositive('noiseMultiplier', event.noiseMultiplier);
      checkSampleRate(event.sampleRate);
      checkCount('steps', event.steps);
      return;
    case 'gaussian':
      checkPositive('noiseMultiplier', event.noiseMultiplier);
      if (event.count !== undefined) checkCount('count', event.count);
      return;
    case 'laplace':
    case 'pure-dp':
      checkPositive('epsilon', event.epsilon);
      if (event.count !== undefined) checkCount('count', event.count);
      return;
    case 'poisson-laplace':
      checkPositive('epsilon', event.epsilon);
      checkSampleRate(event.sampleRate);
      checkCount('steps', event.steps);
      return;
    case 'approximate-dp':
      check(Number.isFinite(event.epsilon) && event.epsilon >= 0, 'epsilon', event.epsilon, 'a finite number ≥ 0');
      check(event.delta >= 0 && event.delta < 1, 'delta', event.delta, 'in [0, 1)');
      if (event.count !== undefined) checkCount('count', event.count);
      return;
    default: {
      const kind: unknown = (event as { kind?: unknown }).kind;
      throw new CohortError('INVALID_ARGUMENT', `event.kind must be a known privacy event kind (got ${JSON.stringify(kind)})`, {
        subject: 'event.kind',
      });
    }
  }
}

/** A key identifying the mechanism of an event apart from its repetition count. */
export function mechanismKey(event: PrivacyEvent): string {
  switch (event.kind) {
    case 'poisson-gaussian':
      return `poisson-gaussian:${event.noiseMultiplier}:${event.sampleRate}`;
    case 'poisson-laplace':
      return `poisson-laplace:${event.epsilon}:${event.sampleRate}`;
    case 'gaussian':
      return `gaussian:${event.noiseMultiplier}`;
    case 'laplace':
    case 'pure-dp':
      return `${event.kind}:${event.epsilon}`;
    case 'approximate-dp':
      return `approximate-dp:${event.epsilon}:${event.delta}`;
  }
}

/** Checks a δ argument of getEpsilon: δ in (0, 1). */
export function checkDelta(delta: number): void {
  check(typeof delta === 'number' && delta > 0 && delta < 1, 'delta', delta, 'in (0, 1)');
}

/** Checks an ε argument of getDelta: ε ≥ 0 and finite. */
export function checkEpsilon(epsilon: number): void {
  check(typeof epsilon === 'number' && Number.isFinite(epsilon) && epsilon >= 0, 'epsilon', epsilon, 'a finite number ≥ 0');
}
