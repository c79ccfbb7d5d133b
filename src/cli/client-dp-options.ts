/**
 * The flags with which `cohort client` protects its owner with its own privacy budget:
 * `--max-epsilon E --delta D` (and `--accountant rdp|pld`) make the client demand DP-SGD, account
 * every step it takes on its data and refuse requests past the budget (src/fl/dp/owner-budget.ts);
 * `--ledger FILE.sqlite` keeps that account across restarts and runs (alone, it uses the budget
 * already in the file). Bad values and combinations exit 2 with one line naming the flag.
 */
import type { Command } from 'commander';
import { CohortError } from '../errors.js';
import { OwnerBudget } from '../fl/dp/owner-budget.js';
import { checkSampleLevelDelta } from '../fl/simulation/privacy-sample-level.js';
import { InMemoryBudgetLedger } from '../dp/budget-ledger-memory.js';
import { numberFlag, parseChoiceFlag } from './parse-flags.js';
import { openPrivacyLedger } from './privacy-ledger.js';

export interface ClientPrivacyFlags {
  maxEpsilon?: number;
  delta?: number;
  accountant?: 'rdp' | 'pld';
  ledger?: string;
}

export function addClientPrivacyOptions(command: Command): Command {
  return command
    .option('--max-epsilon <e>', 'this owner\'s own privacy budget: train only with DP-SGD, account every step, refuse requests past ε (needs --delta)', numberFlag('--max-epsilon', { greaterThan: 0 }))
    .option('--delta <d>', 'δ of the owner\'s budget, below 1/n (n = this client\'s examples)', numberFlag('--delta', { greaterThan: 0, lessThan: 1 }))
    .option('--accountant <name>', 'rdp (default) or pld, for the owner\'s own accounting', (raw: string) => parseChoiceFlag('--accountant', raw, ['rdp', 'pld'] as const))
    .option('--ledger <file.sqlite>', 'keep the owner\'s privacy account in this SQLite file across restarts (alone: use the budget stored in it)');
}

/** Checks the flag combination before anything is loaded; true when the client keeps a budget. */
export function checkClientPrivacyFlags(flags: ClientPrivacyFlags): boolean {
  if (flags.maxEpsilon !== undefined && flags.delta === undefined) throw new CohortError('INVALID_ARGUMENT', '--max-epsilon needs --delta D (below 1/n for this client\'s n examples)', { subject: '--max-epsilon' });
  if (flags.maxEpsilon === undefined && flags.ledger === undefined) {
    const stray = ([['--delta', flags.delta], ['--accountant', flags.accountant]] as const).find(([, value]) => value !== undefined);
    if (stray) throw new CohortError('INVALID_ARGUMENT', `${stray[0]} needs --max-epsilon E (or --ledger FILE holding this owner's budget)`, { subject: stray[0] });
    return false;
  }
  return true;
}

export interface OpenedOwnerBudget {
  readonly ownerBudget: OwnerBudget;
  close(): void;
}

/** Opens the owner's account for `owner` whose data has `examples` records. */
export async function openOwnerBudget(flags: ClientPrivacyFlags, owner: string, examples: number): Promise<OpenedOwnerBudget> {
  const file = openPrivacyLedger(flags.ledger);
  try {
    const ledger = file.ledger ?? new InMemoryBudgetLedger();
    const budget = flags.maxEpsilon === undefined ? undefined : { epsilon: flags.maxEpsilon, delta: flags.delta as number };
    const delta = flags.delta ?? (await ledger.getBudget(owner))?.delta;
    if (delta === undefined) throw new CohortError('INVALID_ARGUMENT', `--ledger ${JSON.stringify(flags.ledger)} holds no budget for ${JSON.stringify(owner)}; give --max-epsilon E --delta D`, { subject: '--ledger' });
    checkSampleLevelDelta({ level: 'sample', delta, clippingNorm: 1, adaptiveClipping: false, accountant: 'rdp' }, examples, 'this client\'s data');
    const ownerBudget = await OwnerBudget.open({ ledger, owner, delta, accountant: flags.accountant ?? 'rdp', ...(budget === undefined ? {} : { budget }) });
    return { ownerBudget, close: () => file.close() };
  } catch (error) {
    file.close();
    throw error;
  }
}
