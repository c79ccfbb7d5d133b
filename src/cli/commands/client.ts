/**
 * `cohort client --server URL --data csv:PATH --label COLUMN --token T`: one data owner's side of
 * a federation. Trains on its local file only; sends weights, counts and metrics, never records.
 * Reconnects with backoff; stop and restart it at any time.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadDataset } from '../../data/index.js';
import { parseClientToken, runNetworkClient } from '../../fl/client/index.js';
import { addClientPrivacyOptions, checkClientPrivacyFlags, openOwnerBudget, type ClientPrivacyFlags } from '../client-dp-options.js';
import { numberFlag } from '../parse-flags.js';

interface ClientFlags extends ClientPrivacyFlags {
  server: string;
  data: string;
  label?: string;
  token?: string;
  ca?: string;
  maxAttempts?: number;
  quiet?: boolean;
  requireSecureAggregation?: boolean;
}

export function registerClientCommand(program: Command): void {
  const command = program
    .command('client')
    .description('join a federation: train on a local data file, share only model updates')
    .requiredOption('--server <url>', 'ws://HOST:PORT/ws or wss://HOST:PORT/ws')
    .requiredOption('--data <csv:PATH>', 'this owner\'s data (csv:PATH, idx:DIR or a bundled name)')
    .option('--label <column>', 'label column of the CSV')
    .option('--token <token>', 'NAME.SECRET from `cohort server add-client NAME` (default: $COHORT_TOKEN)')
    .option('--ca <file.pem>', 'trust this CA certificate (self-signed servers)')
    .option('--max-attempts <n>', 'give up after this many failed connections in a row', numberFlag('--max-attempts', { integer: true, min: 1 }))
    .option('--quiet', 'print nothing but errors')
    .option('--require-secure-aggregation', 'refuse to join a server that does not aggregate with SecAgg+ (exit 2)');
  addClientPrivacyOptions(command)
    .action(async (flags: ClientFlags) => {
      const keepsBudget = checkClientPrivacyFlags(flags);
      const token = flags.token ?? process.env.COHORT_TOKEN ?? '';
      const { data } = await loadDataset(flags.data, { label: flags.label });
      // The owner's own budget (--max-epsilon / --ledger): DP-SGD only, every step accounted and paid here.
      const owner = keepsBudget ? await openOwnerBudget(flags, parseClientToken(token).name, data.numExamples) : undefined;
      if (owner !== undefined && !flags.quiet) {
        const { owner: name, epsilon, delta, budget } = await owner.ownerBudget.summary();
        process.stderr.write(`cohort client: ${name} trains only with DP-SGD; its budget ε = ${budget.epsilon}, δ = ${budget.delta}; spent so far ε = ${epsilon} at δ = ${delta}\n`);
      }
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const result = await runNetworkClient({
          url: flags.server,
          token,
          data,
          signal: controller.signal,
          ...(flags.ca === undefined ? {} : { ca: readFileSync(flags.ca) }),
          ...(flags.maxAttempts === undefined ? {} : { maxAttempts: flags.maxAttempts }),
          ...(flags.requireSecureAggregation === true ? { requireSecureAggregation: true } : {}),
          ...(owner === undefined ? {} : { ownerBudget: owner.ownerBudget }),
          log: flags.quiet ? () => undefined : (message) => process.stderr.write(`cohort client: ${message}\n`),
        });
        const privacy = await owner?.ownerBudget.summary();
        process.stdout.write(`${JSON.stringify(privacy === undefined ? result : { ...result, privacy })}\n`);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        owner?.close();
      }
    });
}
