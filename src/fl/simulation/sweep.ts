/**
 * A privacy–utility sweep: the same federation trained at several ε budgets (each run calibrates
 * its noise to spend exactly its budget over the planned rounds) next to the non-private run, so
 * the cost of privacy in accuracy can be read off one curve. The non-private run (with the
 * centralised baseline, when enabled) goes first, then the budgets from the smallest up, so an
 * unreachable budget fails before the long runs.
 */
import { check } from '../../errors.js';
import type { SimulationConfig } from './config.js';
import type { DpSimulationConfig, PrivacyLevel } from './privacy-config.js';
import type { CentralizedSummary, EvaluationSummary, SimulationResult, SimulationRound } from './result.js';
import { runSimulation, type SimulationHooks } from './run.js';

export interface SweepPoint {
  /** The budget of this run; null for the non-private run. */
  readonly targetEpsilon: number | null;
  /** ε spent (≤ the budget); null for the non-private run. */
  readonly epsilon: number | null;
  readonly noiseMultiplier: number | null;
  readonly accuracy: number;
  readonly loss: number;
  readonly auc?: number;
  /** Rounds run (fewer than planned when a budget stopped the run). */
  readonly rounds: number;
  readonly stoppedEarly?: { readonly round: number; readonly reason: string };
  readonly durationMs: number;
}

export interface SweepResult {
  /** The shared settings; `config.dp` holds the DP settings common to every private run (no target ε). */
  readonly config: SimulationConfig;
  readonly level: PrivacyLevel;
  /** The budgets asked for, ascending; null = non-private ("inf"). */
  readonly epsilons: readonly (number | null)[];
  /** One point per budget, ascending, the non-private run last when it was asked for. */
  readonly points: readonly SweepPoint[];
  readonly baseline: {
    /** The non-private federated run. */
    readonly federated: EvaluationSummary;
    /** The centralised (pooled, non-private) baseline, or null with --no-centralized. */
    readonly centralized: CentralizedSummary | null;
  };
  /** The full result of every run: the non-private run first, then the private runs in `points` order. */
  readonly runs: readonly SimulationResult[];
  readonly timing: { readonly totalMs: number };
}

export interface SweepHooks {
  /** Before each run: its budget (null = non-private), its position and the number of runs. */
  readonly onRun?: (targetEpsilon: number | null, index: number, total: number) => void;
  readonly onRound?: (round: SimulationRound, total: number) => void;
  readonly signal?: AbortSignal;
  /** Noise source for the private runs (tests); the CSPRNG by default. Each run gets a fresh in-memory ledger. */
  readonly privacy?: SimulationHooks['privacy'];
}

/** `epsilons`: budgets > 0, Infinity for the non-private point. `config.dp` gives the DP settings (its target ε is ignored). */
export async function runSweep(config: SimulationConfig & { readonly dp: DpSimulationConfig }, epsilons: readonly number[], hooks: SweepHooks = {}): Promise<SweepResult> {
  const started = performance.now();
  check(Array.isArray(epsilons) && epsilons.length >= 1, '--epsilons', epsilons, 'a non-empty list');
  for (const epsilon of epsilons) check(epsilon > 0, '--epsilons', epsilon, 'numbers > 0 or inf');
  const budgets = [...new Set(epsilons.filter((epsilon) => Number.isFinite(epsilon)))].sort((a, b) => a - b);
  check(budgets.length >= 1, '--epsilons', epsilons.join(','), 'at least one finite ε');
  const withInfinity = epsilons.some((epsilon) => epsilon === Number.POSITIVE_INFINITY);
  const { dp, ...shared } = config;
  const template: DpSimulationConfig = { level: dp.level, delta: dp.delta, clippingNorm: dp.clippingNorm, adaptiveClipping: dp.adaptiveClipping, accountant: dp.accountant };
  const total = budgets.length + 1;
  const common = {
    ...(hooks.onRound === undefined ? {} : { onRound: hooks.onRound }),
    ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
  };

  hooks.onRun?.(null, 0, total);
  const open = (await runSimulation(shared, common)).result;
  const runs: SimulationResult[] = [open];
  const points: SweepPoint[] = [];
  for (const [i, targetEpsilon] of budgets.entries()) {
    hooks.onRun?.(targetEpsilon, i + 1, total);
    const { result } = await runSimulation(
      { ...shared, centralized: false, dp: { ...template, targetEpsilon } },
      { ...common, ...(hooks.privacy === undefined ? {} : { privacy: { ...(hooks.privacy.rng === undefined ? {} : { rng: hooks.privacy.rng }) } }) },
    );
    runs.push(result);
    points.push(pointOf(result, targetEpsilon));
  }
  if (withInfinity) points.push(pointOf(open, null));
  return {
    config: { ...shared, dp: template },
    level: dp.level,
    epsilons: [...budgets, ...(withInfinity ? [null] : [])],
    points,
    baseline: { federated: open.final, centralized: open.centralized },
    runs,
    timing: { totalMs: performance.now() - started },
  };
}

function pointOf(result: SimulationResult, targetEpsilon: number | null): SweepPoint {
  const privacy = result.privacy;
  return {
    targetEpsilon,
    epsilon: privacy?.epsilon ?? null,
    noiseMultiplier: privacy?.noiseMultiplier ?? null,
    accuracy: result.final.accuracy,
    loss: result.final.loss,
    ...(result.final.auc === undefined ? {} : { auc: result.final.auc }),
    rounds: result.rounds.length,
    ...(privacy?.stoppedEarly === undefined ? {} : { stoppedEarly: privacy.stoppedEarly }),
    durationMs: result.timing.totalMs,
  };
}
