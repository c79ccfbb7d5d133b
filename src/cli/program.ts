/**
 * The `cohort` program (bin entry: main.ts). Each command lives in its own file under commands/ and registers itself
 * here. Errors: a CohortError or a malformed flag exits with status 2 and one line naming the flag
 * or file and the bad value; anything else exits 1. Stack traces only with --verbose.
 */
import { Command, CommanderError } from 'commander';
import { CohortError } from '../errors.js';
import { registerDpCommand } from './commands/dp.js';
import { registerDatasetsCommand } from './commands/datasets.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { registerSweepCommand } from './commands/sweep.js';
import { registerHeCommand } from './commands/he.js';
import { registerServerCommand } from './commands/server.js';
import { registerClientCommand } from './commands/client.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('cohort')
    .description('Privacy-preserving machine learning: federated learning, differential privacy, cryptography.')
    .option('--verbose', 'print stack traces on errors')
    .showHelpAfterError(false)
    .exitOverride();
  // Commands register below (one line each).
  registerDpCommand(program);
  registerDatasetsCommand(program);
  registerSimulateCommand(program);
  registerSweepCommand(program);
  registerHeCommand(program);
  registerServerCommand(program);
  registerClientCommand(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return 0;
  } catch (error) {
    return reportError(error, verbose);
  }
}

function reportError(error: unknown, verbose: boolean): number {
  if (error instanceof CommanderError) {
    // help and version "errors" are normal exits; commander has already printed its message.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
      return 0;
    }
    return 2;
  }
  if (error instanceof CohortError) {
    process.stderr.write(`cohort: ${error.message}\n`);
    if (verbose && error.stack) process.stderr.write(`${error.stack}\n`);
    return error.code === 'INTERNAL' ? 1 : 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`cohort: unexpected error: ${message}${verbose ? '' : ' (run with --verbose for details)'}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return 1;
}

