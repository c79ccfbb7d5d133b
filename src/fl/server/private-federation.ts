/**
 * Differential privacy for the network server (`cohort server --dp sample|user`): the same privacy
 * plan as `cohort simulate --dp` (src/fl/simulation/privacy-*.ts) — the same strategies, noise
 * calibration, accountant calls and enforced budget — for clients that join while the server runs.
 * The settings reach the clients in each fit request's `RoundConfig.extra` (fit-config-keys.ts);
 * at sample level every client runs DP-SGD on its own machine. Each owner is charged in the
 * server's ledger before each round it takes part in, and a round that would take a taking-part
 * owner past its budget is refused before it starts (the run then finishes with the model so far).
 */
import type { BudgetLedger } from '../../dp/budget-ledger.js';
import { CohortError } from '../../errors.js';
import { gateRounds } from '../dp/budget-gate.js';
import type { PrivatePlan } from '../simulation/privacy-plan-common.js';
import { planPrivacy, type PlanSettings } from '../simulation/privacy-plan.js';
import type { DpSimulationConfig } from '../simulation/privacy-config.js';
import type { FedAvgOptions, StrategySpec } from '../strategies/index.js';
import type { Strategy } from '../strategy.js';
import type { ServerLogger } from './log.js';

export interface PrivateServerOptions {
  readonly dp: DpSimulationConfig;
  readonly settings: PlanSettings;
  readonly strategySpec: StrategySpec;
  readonly strategyOptions: FedAvgOptions;
  /** Clients registered for the federation (K of user-level DP: δ < 1/K, m = q·K). */
  readonly registeredClients: number;
  /** The server's privacy ledger (the SQLite ledger in its database). */
  readonly ledger: BudgetLedger;
  /** The run the spends belong to (FederationServerOptions.runId, or the resumed run's id). */
  readonly runId: string;
  /** Continue the accounting of `runId` from the ledger (a resumed run). */
  readonly resume?: boolean;
  readonly log?: ServerLogger;
}

export interface PrivateServer {
  /** The strategy to give the server: the private strategy behind the budget gate. */
  readonly strategy: Strategy;
  readonly plan: PrivatePlan;
}

export async function privateServer(options: PrivateServerOptions): Promise<PrivateServer> {
  const { dp, registeredClients, log } = options;
  if (dp.level === 'user' && registeredClients < 1) {
    throw new CohortError('INVALID_ARGUMENT', '--dp user needs the federation\'s clients registered first (cohort server add-client NAME): user-level δ must be below 1/n for n clients', { subject: '--dp' });
  }
  const plan = await planPrivacy({
    config: options.settings,
    dp,
    strategySpec: options.strategySpec,
    strategyOptions: options.strategyOptions,
    clientIds: [],
    clientSizes: [],
    population: registeredClients,
    onUnprotectable: (clientId, reason) => log?.({ level: 'warn', kind: 'dp-client-left-out', clientId, message: `client ${clientId} sits the rounds out: ${reason}` }),
    hooks: { ledger: options.ledger, runId: options.runId },
  });
  if (options.resume === true) await plan.restore();
  return { strategy: gateRounds(plan.strategy, plan.beforeRound), plan };
}
