/**
 * `cohort dp …`: differential-privacy tools. Each subcommand registers itself here, one line each.
 */
import type { Command } from 'commander';
import { registerDpAccountingCommands } from './dp-accounting.js';
import { registerDpDescribeCommand } from './dp-describe.js';

export function registerDpCommand(program: Command): void {
  const dp = program.command('dp').description('differential privacy: accounting, calibration, DP statistics');
  void dp; // subcommands register below
  registerDpAccountingCommands(dp);
  registerDpDescribeCommand(dp);
}
