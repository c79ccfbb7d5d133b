/**
 * The `--dp` flags of `cohort server` — the same flags, semantics and checks as `cohort simulate
 * --dp` (simulate-options.ts), minus `--ledger`: the server pays every owner's rounds into the
 * privacy ledger of its own database (`--db`, where `cohort server set-budget` writes budgets).
 * Bad values and combinations exit 2 with one line naming the flag.
 */
import type { Command } from 'commander';
import { CohortError } from '../errors.js';
import type { DpSimulationConfig } from '../fl/index.js';
import type { OptimizerSpec } from '../ml/model.js';
import { privateServer, type PrivateServer } from '../fl/server/private-federation.js';
import type { ServerLogger } from '../fl/server/log.js';
import type { StrategySpec } from '../fl/strategies/index.js';
import type { FederationStateStore } from '../store/federation-state.js';
import type { CohortDatabase } from '../store/database.js';
import { SqliteBudgetLedger } from '../store/sqlite-budget-ledger.js';
import { addPrivacyOptions, privacyConfig, type PrivacyFlags } from './simulate-options.js';

export type ServerPrivacyFlags = Omit<PrivacyFlags, 'ledger'>;

export function addServerPrivacyOptions(command: Command): Command {
  return addPrivacyOptions(command, { budget: true, ledger: false });
}

/** The run's DP settings from the flags (no data needed), or undefined without --dp. */
export function serverPrivacyConfig(flags: ServerPrivacyFlags & { db: string; enforceBudgets?: boolean; fractionEvaluate: number }): DpSimulationConfig | undefined {
  const dp = privacyConfig(flags);
  if (dp === undefined) return undefined;
  if (dp.level === 'distributed') {
    throw new CohortError('UNSUPPORTED', '--dp distributed runs in `cohort simulate --secure-aggregation` only; the network server does not set it up yet', { subject: '--dp' });
  }
  if (flags.enforceBudgets === true) {
    throw new CohortError('INVALID_ARGUMENT', '--enforce-budgets charges the ε that clients report; with --dp the server accounts and charges the DP it runs itself (use one or the other)', { subject: '--enforce-budgets' });
  }
  if (flags.fractionEvaluate > 0) {
    throw new CohortError('INVALID_ARGUMENT', `--fraction-evaluate ${flags.fractionEvaluate} cannot be used with --dp: federated evaluation reports each client's accuracy on its own records without noise, which the guarantee does not cover`, { subject: '--fraction-evaluate' });
  }
  return { ...dp, ledger: flags.db };
}

export interface ServerPrivacyRun {
  readonly db: CohortDatabase;
  readonly store: FederationStateStore;
  readonly runId: string;
  readonly resume: boolean;
  readonly log: ServerLogger;
  readonly strategy: string;
  readonly strategySpec: StrategySpec;
  readonly rounds: number;
  readonly fraction: number;
  readonly minClients: number;
  readonly localEpochs: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerSpec;
}

/** The private strategy of a server run, its noise calibrated and its checks made against the registered clients. */
export function setUpServerPrivacy(dp: DpSimulationConfig, run: ServerPrivacyRun): Promise<PrivateServer> {
  const { localEpochs, batchSize, optimizer, fraction } = run;
  return privateServer({
    dp,
    settings: { data: `the clients' own data (run ${run.runId})`, rounds: run.rounds, fraction, batchSize, localEpochs, strategy: run.strategy },
    strategySpec: run.strategySpec,
    strategyOptions: { localEpochs, batchSize, optimizer, fraction, minClients: run.minClients },
    registeredClients: run.store.clients().filter((client) => !client.revoked).length,
    ledger: new SqliteBudgetLedger(run.db),
    runId: run.runId,
    resume: run.resume,
    log: run.log,
  });
}
