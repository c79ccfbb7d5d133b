/**
 * The privacy section of a run report (DP runs only): the guarantee in words, ε per round against
 * the budget (drawn by the report's script into #epsilon-chart), the mechanism's settings, each
 * data owner's (ε, δ), and an early stop when the budget ran out.
 */
import type { SimulationConfig } from '../fl/simulation/config.js';
import type { SimulationResult } from '../fl/simulation/result.js';
import { escapeHtml, formatEpsilon, table } from './report-html.js';

export function privacySection(result: SimulationResult): string {
  const privacy = result.privacy;
  if (!privacy) return '';
  const ddg = privacy.distributedDiscreteGaussian;
  const level =
    privacy.level !== 'user'
      ? 'sample-level DP (DP-SGD on every client, Abadi et al. 2016)'
      : ddg === undefined
        ? 'user-level DP (DP-FedAvg, McMahan et al. 2018)'
        : 'user-level DP (distributed discrete Gaussian under SecAgg+, Kairouz, Liu & Steinke 2021)';
  const stop = privacy.stoppedEarly
    ? `<p class="stop"><strong>Stopped early:</strong> the privacy budget allowed ${privacy.rounds} of ${result.config.rounds} rounds. ${escapeHtml(capitalise(privacy.stoppedEarly.reason))}. The model is the one after round ${privacy.rounds}.</p>`
    : '';
  const settings: [string, string][] = [
    ['guarantee', `(ε = ${formatEpsilon(privacy.epsilon)}, δ = ${privacy.delta})-DP, ${level}`],
    ['protects', privacy.unit],
    ['budget', privacy.budgetEpsilon === null ? 'none (noise multiplier given; ε reported)' : `ε = ${privacy.budgetEpsilon}, δ = ${privacy.delta}`],
    ['accountant', ddg === undefined ? `${privacy.accountant.toUpperCase()} (Poisson-subsampled Gaussian)` : `${privacy.accountant.toUpperCase()} (sum of discrete Gaussians, Kairouz, Liu & Steinke 2021, Theorem 1)`],
    ['noise multiplier', `${formatEpsilon(privacy.noiseMultiplier)}${privacy.calibrated ? ' (calibrated to the budget)' : ''}`],
    ['clipping norm', `${privacy.clippingNorm}${privacy.adaptiveClipping ? ` (adaptive, ended at ${formatEpsilon(privacy.adaptiveClipping.finalClippingNorm)})` : ''}`],
    ['sampling rate', privacy.level === 'user' ? `${privacy.sampleRate} of the clients per round (${ddg === undefined ? 'Poisson' : 'charged as if every client took part in every round'})` : `${formatEpsilon(privacy.sampleRate)} of the records per step (Poisson), the most-charged owner`],
    ['rounds accounted', String(privacy.rounds)],
    ['ledger', privacy.ledger === 'memory' ? 'in memory (forgotten after the run)' : privacy.ledger],
  ];
  if (ddg !== undefined) {
    settings.push([
      'distributed noise',
      `each client adds N_Z(0, ${ddg.localVariance}) per coordinate on a grid of ${formatEpsilon(ddg.granularity)} (d = ${ddg.dimension}); at least ${ddg.noiseShares} of ${ddg.maxContributors} clients' noise in every sum; Δ₂ = ${formatEpsilon(ddg.l2Sensitivity)}; noise multiplier seen by the accountant ${formatEpsilon(ddg.effectiveNoiseMultiplier)}`,
    ]);
  }
  if (privacy.adaptiveClipping) {
    const adaptive = privacy.adaptiveClipping;
    settings.push([
      'adaptive clipping',
      `target quantile ${adaptive.targetQuantile}, learning rate ${adaptive.learningRate}, count noise σ_b = ${formatEpsilon(adaptive.countNoiseStd)}, update noise multiplier ${formatEpsilon(adaptive.updateNoiseMultiplier)} (Andrew et al. 2021)`,
    ]);
  }
  const ownerRows = privacy.owners.map((owner) => [owner.owner, formatEpsilon(owner.epsilon), String(owner.delta), formatEpsilon(owner.noiseMultiplier), formatEpsilon(owner.sampleRate), String(owner.rounds ?? privacy.rounds), String(owner.steps)]);
  return `<section id="privacy">
<h2>Privacy</h2>
<p>Each data owner's guarantee is (ε, δ)-differential privacy for ${escapeHtml(privacy.unit)}: whatever an observer of the released model does, including or leaving out one protected unit changes the probability of any outcome by at most a factor e<sup>ε</sup>, except with probability δ. Smaller ε is more private.</p>
${stop}
<div class="chart"><canvas id="epsilon-chart" role="img" aria-label="Privacy spent (epsilon) after each round, with the budget"></canvas></div>
${table(['setting', 'value'], settings, 'privacy')}
<details>
<summary>Each data owner's guarantee</summary>
${table(['owner', 'ε', 'δ', 'noise multiplier', 'sampling rate', 'rounds', 'steps'], ownerRows, 'owners')}
</details>
</section>`;
}

/** Configuration-table rows of a DP run. */
export function privacyConfigRows(result: SimulationResult): [string, string][] {
  const dp = result.config.dp;
  if (!dp) return [];
  return [
    ['differential privacy', `${dp.level}-level, δ = ${dp.delta}, clip ${dp.clippingNorm}${dp.adaptiveClipping ? ' (adaptive)' : ''}, ${dp.accountant.toUpperCase()}`],
    ['privacy budget', dp.targetEpsilon === undefined ? 'none' : `ε = ${dp.targetEpsilon}`],
    ...(dp.noiseMultiplier === undefined ? [] : ([['noise multiplier (given)', String(dp.noiseMultiplier)]] as [string, string][])),
  ];
}

/** The DP flags of the reproducing command line. */
export function privacyCommandFlags(config: SimulationConfig): string[] {
  const dp = config.dp;
  if (!dp) return [];
  return [
    `--dp ${dp.level}`,
    ...(dp.targetEpsilon === undefined ? [] : [`--target-epsilon ${dp.targetEpsilon}`]),
    ...(dp.noiseMultiplier === undefined ? [] : [`--noise-multiplier ${dp.noiseMultiplier}`]),
    `--delta ${dp.delta}`,
    `--clip ${dp.clippingNorm}`,
    ...(dp.adaptiveClipping ? ['--adaptive-clip'] : []),
    `--accountant ${dp.accountant}`,
    ...(dp.ledger === undefined ? [] : [`--ledger ${dp.ledger}`]),
  ];
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
