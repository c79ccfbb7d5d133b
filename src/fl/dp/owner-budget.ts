/**
 * A data owner's own privacy budget, kept on its client (`cohort client --max-epsilon E --delta D`):
 * the client does not take the server's word for what it spends. Before it trains for a fit
 * request it accounts the DP-SGD steps the request asks for — every DP-SGD run it has made on this
 * data, composed tightly by the project's accountant (RDP, Mironov 2017; or PLD) as Poisson-
 * subsampled Gaussian events (Abadi et al. 2016) — and pays the increase of its total in its own
 * ledger before training. It refuses (a clear error reply, no crash) a request that would take it
 * past its budget, one that asks it to train without DP-SGD, and federated evaluation (whose
 * metrics are not private).
 *
 * Ledger entries hold the increase ε_after − ε_before (rounded up by one ulp), δ once with the
 * first DP-SGD run, and the run's (σ, q, steps) in their details, so a client restarted on the same
 * ledger file recomputes its tight total from its history (`OwnerBudget.open`).
 */
import { createAccountant, type AccountantName } from '../../dp/accountants/index.js';
import type { BudgetLedger, PrivacyBudget } from '../../dp/budget-ledger.js';
import { CohortError, check } from '../../errors.js';
import type { FitConfig } from '../types.js';
import { localDpSettingsOf } from './client-fit.js';
import { DP_CLIPPING_NORM_KEY } from './fit-config-keys.js';
import type { LocalDpSettings } from './local-dp.js';
import { nextUp } from './next-up.js';

export interface OwnerBudgetOptions {
  readonly ledger: BudgetLedger;
  /** The data owner (the client's name). */
  readonly owner: string;
  /** δ of the owner's guarantee: the DP-SGD history is accounted at this δ. */
  readonly delta: number;
  readonly accountant: AccountantName;
  /** Sets the owner's ledger budget (replacing one the ledger holds); absent: the ledger's budget rules. */
  readonly budget?: PrivacyBudget;
}

/** The kind of ledger entry a DP-SGD run of the client writes (so its history can be recomputed). */
export const DP_SGD_SPEND_KIND = 'dp-sgd';

interface Run {
  readonly noiseMultiplier: number;
  readonly sampleRate: number;
  steps: number;
}

export interface OwnerBudgetSummary {
  readonly owner: string;
  /** Tight ε of every DP-SGD step this owner's data went through, at `delta`. */
  readonly epsilon: number;
  readonly delta: number;
  readonly accountant: AccountantName;
  readonly steps: number;
  readonly budget: PrivacyBudget;
  readonly remaining: PrivacyBudget;
}

export class OwnerBudget {
  private readonly runs: Run[] = [];
  private epsilonSoFar = 0;
  private deltaPaid = false;

  private constructor(
    private readonly options: OwnerBudgetOptions,
    private readonly budget: PrivacyBudget,
  ) {}

  /** Opens the owner's account: sets the budget if given, and replays its earlier DP-SGD runs. */
  static async open(options: OwnerBudgetOptions): Promise<OwnerBudget> {
    check(typeof options === 'object' && options !== null, 'options', options, 'an object');
    check(typeof options.owner === 'string' && options.owner.length > 0, 'owner', options.owner, 'a non-empty string');
    check(options.delta > 0 && options.delta < 1, '--delta', options.delta, 'in (0, 1)');
    check(options.accountant === 'rdp' || options.accountant === 'pld', '--accountant', options.accountant, '"rdp" or "pld"');
    const { ledger, owner } = options;
    if (options.budget !== undefined) {
      check(Number.isFinite(options.budget.epsilon) && options.budget.epsilon > 0, '--max-epsilon', options.budget.epsilon, 'a finite number > 0');
      await ledger.setBudget(owner, options.budget);
    }
    const budget = await ledger.getBudget(owner);
    if (budget === undefined) {
      throw new CohortError('INVALID_ARGUMENT', `the privacy ledger holds no budget for ${JSON.stringify(owner)}; give --max-epsilon E --delta D`, { subject: '--max-epsilon' });
    }
    if (!(options.delta <= budget.delta)) {
      throw new CohortError('INVALID_ARGUMENT', `--delta ${options.delta} is above the budget's δ = ${budget.delta} for ${JSON.stringify(owner)}`, { subject: '--delta' });
    }
    const account = new OwnerBudget(options, budget);
    for (const entry of await ledger.history(owner)) {
      const d = entry.details;
      if (d.kind !== DP_SGD_SPEND_KIND || typeof d.noiseMultiplier !== 'number' || typeof d.sampleRate !== 'number' || typeof d.steps !== 'number') continue;
      account.add({ noiseMultiplier: d.noiseMultiplier, sampleRate: d.sampleRate, steps: d.steps });
      if (entry.delta > 0) account.deltaPaid = true;
    }
    account.epsilonSoFar = account.epsilonOf(account.runs);
    return account;
  }

  /** ε of the DP-SGD steps accounted so far. */
  get epsilon(): number {
    return this.epsilonSoFar;
  }

  get steps(): number {
    return this.runs.reduce((sum, run) => sum + run.steps, 0);
  }

  async summary(): Promise<OwnerBudgetSummary> {
    const { owner, delta, accountant, ledger } = this.options;
    return { owner, epsilon: this.epsilonSoFar, delta, accountant, steps: this.steps, budget: this.budget, remaining: await ledger.remaining(owner) };
  }

  /**
   * Accepts a fit request and pays for its DP-SGD steps before training, or refuses it:
   * UNSUPPORTED when it asks for training without DP-SGD, DP_BUDGET_EXCEEDED when the owner's
   * budget cannot pay. Returns the owner's ε once the request's steps are done.
   */
  async authorize(config: FitConfig, context: { readonly runId: string }): Promise<number> {
    const { owner, delta, accountant, ledger } = this.options;
    const settings = localDpSettingsOf(config.extra ?? {});
    if (settings === undefined) {
      const userLevel = config.extra?.[DP_CLIPPING_NORM_KEY] !== undefined;
      throw new CohortError(
        'UNSUPPORTED',
        `${owner} trains only with DP-SGD on its own records (its budget: ε = ${this.budget.epsilon}, δ = ${this.budget.delta}); round ${config.round} asked it to train ${userLevel ? 'with user-level DP-FedAvg, which protects nothing from the server' : 'without differential privacy'} — the server must run with --dp sample`,
        { subject: 'dp' },
      );
    }
    if (!(settings.noiseMultiplier > 0)) {
      throw new CohortError('UNSUPPORTED', `${owner} refuses DP-SGD with noise multiplier ${settings.noiseMultiplier} (round ${config.round}): without noise there is no privacy`, { subject: 'dp.local.noiseMultiplier' });
    }
    const after = this.epsilonOf([...this.runs, { noiseMultiplier: settings.noiseMultiplier, sampleRate: settings.sampleRate, steps: settings.steps }]);
    const increase = Math.max(0, after - this.epsilonSoFar);
    const outcome = await ledger.trySpend({
      owner,
      epsilon: increase === 0 ? 0 : nextUp(increase),
      delta: this.deltaPaid ? 0 : delta,
      purpose: `DP-SGD for round ${config.round} of run ${context.runId}`,
      details: { kind: DP_SGD_SPEND_KIND, ...detailsOf(settings), accountant, delta, epsilonTotal: after, runId: context.runId, round: config.round },
    });
    if (!outcome.granted) {
      throw new CohortError(
        'DP_BUDGET_EXCEEDED',
        `${owner} refuses round ${config.round}: ${settings.steps} more DP-SGD steps (noise multiplier ${settings.noiseMultiplier}, sampling rate ${settings.sampleRate}) would take it from ε = ${short(this.epsilonSoFar)} to ε = ${short(after)} at δ = ${delta}, past its budget ε = ${this.budget.epsilon}, δ = ${this.budget.delta} (ε = ${outcome.remaining.epsilon}, δ = ${outcome.remaining.delta} left)`,
        { subject: owner },
      );
    }
    this.add(settings);
    this.epsilonSoFar = after;
    this.deltaPaid = true;
    return after;
  }

  private add(settings: Pick<LocalDpSettings, 'noiseMultiplier' | 'sampleRate' | 'steps'>): void {
    const same = this.runs.find((run) => run.noiseMultiplier === settings.noiseMultiplier && run.sampleRate === settings.sampleRate);
    if (same) same.steps += settings.steps;
    else this.runs.push({ noiseMultiplier: settings.noiseMultiplier, sampleRate: settings.sampleRate, steps: settings.steps });
  }

  /** Runs with the same (σ, q) compose as one event of their summed steps, as `cohort dp epsilon` counts them. */
  private epsilonOf(runs: readonly Run[]): number {
    const merged: Run[] = [];
    for (const run of runs) {
      const same = merged.find((m) => m.noiseMultiplier === run.noiseMultiplier && m.sampleRate === run.sampleRate);
      if (same) same.steps += run.steps;
      else merged.push({ ...run });
    }
    if (merged.length === 0) return 0;
    const accountant = createAccountant(this.options.accountant);
    for (const run of merged) accountant.compose({ kind: 'poisson-gaussian', noiseMultiplier: run.noiseMultiplier, sampleRate: run.sampleRate, steps: run.steps });
    return accountant.getEpsilon(this.options.delta);
  }
}

function detailsOf(settings: LocalDpSettings): { noiseMultiplier: number; sampleRate: number; steps: number; clippingNorm: number } {
  return { noiseMultiplier: settings.noiseMultiplier, sampleRate: settings.sampleRate, steps: settings.steps, clippingNorm: settings.clippingNorm };
}

function short(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x);
}
