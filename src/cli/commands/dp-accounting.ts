/**
 * `cohort dp epsilon | noise | gaussian`: privacy accounting and noise calibration from the command line.
 *
 *   cohort dp epsilon --sample-rate Q --noise-multiplier S --steps T --delta D [--accountant rdp|pld] [--json]
 *     → {"epsilon": …, "accountant": "rdp", "optimalOrder": …}
 *   cohort dp noise --target-epsilon E --sample-rate Q --steps T --delta D [--accountant rdp|pld] [--json]
 *     → {"noiseMultiplier": …, "epsilon": <achieved, ≤ target>}
 *   cohort dp gaussian --epsilon E --delta D [--sensitivity S] [--analytic] [--json]
 *     → {"sigma": …}
 *
 * Bad values exit with status 2 and one line naming the flag and the value (program.ts).
 */
import type { Command } from 'commander';
import { CohortError } from '../../errors.js';
import { PldAccountant } from '../../dp/accountants/pld.js';
import { RdpAccountant } from '../../dp/accountants/rdp.js';
import { noiseMultiplierForEpsilon } from '../../dp/calibration/noise-multiplier.js';
import { analyticGaussianSigma, classicGaussianSigma } from '../../dp/mechanisms/gaussian-calibration.js';
import { numberFlag, parseChoiceFlag } from '../parse-flags.js';

type AccountantChoice = 'rdp' | 'pld';

const sampleRateFlag = numberFlag('--sample-rate', { greaterThan: 0, max: 1 });
const noiseMultiplierFlag = numberFlag('--noise-multiplier', { greaterThan: 0 });
const stepsFlag = numberFlag('--steps', { integer: true, min: 1, max: Number.MAX_SAFE_INTEGER });
const deltaFlag = numberFlag('--delta', { greaterThan: 0, lessThan: 1 });
const positiveEpsilonFlag = (flag: string): ((raw: string) => number) => numberFlag(flag, { greaterThan: 0 });
const accountantFlag = (raw: string): AccountantChoice => parseChoiceFlag('--accountant', raw, ['rdp', 'pld'] as const);

/** Library argument names → the flags a CLI user typed, for error messages that start with the argument. */
const FLAG_OF: Readonly<Record<string, string>> = {
  targetEpsilon: '--target-epsilon',
  sampleRate: '--sample-rate',
  noiseMultiplier: '--noise-multiplier',
  steps: '--steps',
  delta: '--delta',
  epsilon: '--epsilon',
  sensitivity: '--sensitivity',
};

/** Runs `work`, rewording a CohortError about a library argument so that it names the flag. */
function withFlagNames<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof CohortError && error.subject !== undefined) {
      const flag = FLAG_OF[error.subject];
      if (flag !== undefined && error.message.startsWith(error.subject)) {
        throw new CohortError(error.code, `${flag}${error.message.slice(error.subject.length)}`, { subject: flag, cause: error });
      }
    }
    throw error;
  }
}

function print(json: boolean | undefined, value: object, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human}\n`);
}

function formatNumber(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(7))) : String(x);
}

interface EpsilonOptions {
  sampleRate: number;
  noiseMultiplier: number;
  steps: number;
  delta: number;
  accountant: AccountantChoice;
  json?: boolean;
}

function runEpsilon(options: EpsilonOptions): void {
  const event = {
    kind: 'poisson-gaussian',
    noiseMultiplier: options.noiseMultiplier,
    sampleRate: options.sampleRate,
    steps: options.steps,
  } as const;
  const setting = `${options.steps} steps at sample rate ${options.sampleRate}, noise multiplier ${options.noiseMultiplier}`;
  if (options.accountant === 'rdp') {
    const report = withFlagNames(() => new RdpAccountant().compose(event).report(options.delta));
    print(
      options.json,
      { epsilon: report.epsilon, accountant: 'rdp', optimalOrder: report.optimalOrder ?? null },
      `epsilon = ${formatNumber(report.epsilon)} at delta = ${options.delta} (RDP, optimal order ${report.optimalOrder}; ${setting})`,
    );
  } else {
    const report = withFlagNames(() => new PldAccountant().compose(event).report(options.delta));
    print(
      options.json,
      { epsilon: report.epsilon, accountant: 'pld', discretisation: report.discretisation },
      `epsilon = ${formatNumber(report.epsilon)} at delta = ${options.delta} (PLD, discretisation ${formatNumber(report.discretisation ?? Number.NaN)}; ${setting})`,
    );
  }
}

interface NoiseOptions {
  targetEpsilon: number;
  sampleRate: number;
  steps: number;
  delta: number;
  accountant: AccountantChoice;
  json?: boolean;
}

function runNoise(options: NoiseOptions): void {
  const result = withFlagNames(() =>
    noiseMultiplierForEpsilon({
      targetEpsilon: options.targetEpsilon,
      sampleRate: options.sampleRate,
      steps: options.steps,
      delta: options.delta,
      accountant: options.accountant,
    }),
  );
  print(
    options.json,
    { noiseMultiplier: result.noiseMultiplier, epsilon: result.epsilon },
    `noise multiplier = ${formatNumber(result.noiseMultiplier)} gives epsilon = ${formatNumber(result.epsilon)} ≤ ${options.targetEpsilon} ` +
      `at delta = ${options.delta} (${options.accountant.toUpperCase()}; ${options.steps} steps at sample rate ${options.sampleRate})`,
  );
}

interface GaussianOptions {
  epsilon: number;
  delta: number;
  sensitivity: number;
  analytic?: boolean;
  json?: boolean;
}

function runGaussian(options: GaussianOptions): void {
  const input = { epsilon: options.epsilon, delta: options.delta, sensitivity: options.sensitivity };
  const sigma = withFlagNames(() => (options.analytic ? analyticGaussianSigma(input) : classicGaussianSigma(input)));
  const method = options.analytic ? 'analytic calibration, Balle & Wang 2018' : 'classic calibration, Dwork & Roth 2014 Thm A.1';
  print(
    options.json,
    { sigma },
    `sigma = ${formatNumber(sigma)} for epsilon = ${options.epsilon}, delta = ${options.delta}, sensitivity ${options.sensitivity} (${method})`,
  );
}

export function registerDpAccountingCommands(dp: Command): void {
  dp.command('epsilon')
    .description('epsilon spent by DP-SGD: Poisson-subsampled Gaussian steps, by the RDP or PLD accountant')
    .requiredOption('--sample-rate <q>', 'probability that a record joins each batch, in (0, 1]', sampleRateFlag)
    .requiredOption('--noise-multiplier <s>', 'noise standard deviation / clipping norm, > 0', noiseMultiplierFlag)
    .requiredOption('--steps <t>', 'number of steps, ≥ 1', stepsFlag)
    .requiredOption('--delta <d>', 'target delta, in (0, 1)', deltaFlag)
    .option('--accountant <name>', 'rdp or pld', accountantFlag, 'rdp' as AccountantChoice)
    .option('--json', 'print JSON')
    .action((options: EpsilonOptions) => runEpsilon(options));

  dp.command('noise')
    .description('smallest noise multiplier reaching a target epsilon (bisection; the epsilon printed is achieved and ≤ target)')
    .requiredOption('--target-epsilon <e>', 'target epsilon, > 0', positiveEpsilonFlag('--target-epsilon'))
    .requiredOption('--sample-rate <q>', 'probability that a record joins each batch, in (0, 1]', sampleRateFlag)
    .requiredOption('--steps <t>', 'number of steps, ≥ 1', stepsFlag)
    .requiredOption('--delta <d>', 'target delta, in (0, 1)', deltaFlag)
    .option('--accountant <name>', 'rdp or pld', accountantFlag, 'rdp' as AccountantChoice)
    .option('--json', 'print JSON')
    .action((options: NoiseOptions) => runNoise(options));

  dp.command('gaussian')
    .description('noise standard deviation of the Gaussian mechanism for (epsilon, delta) and an L2 sensitivity')
    .requiredOption('--epsilon <e>', 'epsilon, > 0 (classic calibration needs < 1)', positiveEpsilonFlag('--epsilon'))
    .requiredOption('--delta <d>', 'delta, in (0, 1)', deltaFlag)
    .option('--sensitivity <s>', 'L2 sensitivity, > 0', numberFlag('--sensitivity', { greaterThan: 0 }), 1)
    .option('--analytic', 'exact calibration of Balle & Wang (2018) instead of the classic formula')
    .option('--json', 'print JSON')
    .action((options: GaussianOptions) => runGaussian(options));
}
