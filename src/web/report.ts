/**
 * The HTML run report of a simulation: one self-contained file (Chart.js and the data inlined,
 * no network reference) with accuracy and loss per round (federated against the centralised
 * baseline), the label distribution per client as stacked bars, and the configuration. The
 * tables carry every number, so the report stays readable with scripts off.
 *
 * A differentially private run adds a privacy section: the ε spent and what it covers, ε per round
 * against the budget, the noise and clipping settings, every data owner's guarantee, and an early
 * stop when the budget ran out.
 *
 * Pure string building (no I/O): the caller passes Chart.js's source (report-assets.ts in Node).
 */
import type { SimulationResult } from '../fl/simulation/result.js';
import { card, escapeHtml, formatEpsilon, jsonForScript, pageHead, percent, scriptSafe, table } from './report-html.js';
import { privacyCommandFlags, privacyConfigRows, privacySection } from './report-privacy.js';

export { escapeHtml, jsonForScript } from './report-html.js';

export interface ReportOptions {
  /** The Chart.js UMD bundle, inlined as is. */
  readonly chartJs: string;
  /** Shown in the footer; default now. */
  readonly generatedAt?: Date;
}

/** Element id of the embedded run result (JSON); tools can read it back from a report. */
export const REPORT_DATA_ID = 'cohort-result';

export function buildReportHtml(result: SimulationResult, options: ReportOptions): string {
  const { config, dataset, partition } = result;
  const generatedAt = (options.generatedAt ?? new Date()).toISOString();
  const title = `Cohort simulation: ${dataset.name}, ${config.clients} clients, ${result.strategy}`;
  const central = result.centralized;
  const gap = central ? (central.accuracy - result.final.accuracy) * 100 : undefined;

  const privacy = result.privacy;
  const cards = [
    card('Federated test accuracy', percent(result.final.accuracy), `after ${result.rounds.length} rounds`),
    ...(privacy
      ? [card('Privacy spent', `ε = ${formatEpsilon(privacy.epsilon)}`, `δ = ${privacy.delta}, ${privacy.level}-level, ${privacy.accountant.toUpperCase()}${privacy.stoppedEarly ? ', budget reached' : ''}`)]
      : []),
    card('Centralised baseline', central ? percent(central.accuracy) : 'not run', central ? `${central.epochs} epochs on the pooled data${privacy ? ', non-private' : ''}` : '--no-centralized'),
    card('Gap to centralised', gap === undefined ? '–' : `${Math.abs(gap).toFixed(2)} points`, gap === undefined ? '' : gap >= 0 ? 'below centralised' : 'above centralised'),
    card('Test loss', result.final.loss.toFixed(4), result.final.auc === undefined ? 'cross-entropy' : `ROC AUC ${result.final.auc.toFixed(4)}`),
    card('Run time', `${(result.timing.totalMs / 1000).toFixed(1)} s`, `${result.timing.workers === 0 ? 'in-process' : `${result.timing.workers} worker thread(s)`}, ${result.timing.backend}`),
  ].join('\n');

  const configRows: [string, string][] = [
    ['data', `${config.data}${config.label === undefined ? '' : ` (label ${config.label})`}`],
    ['examples', `${dataset.trainExamples} train, ${dataset.testExamples} test (${dataset.testSet === 'predefined' ? 'published test split' : `${percent(config.testFraction, 0)} held out, stratified`})`],
    ['features / classes', `${dataset.numFeatures} / ${dataset.numClasses} (${dataset.classNames.join(', ')})`],
    ['model', `${result.model.spec} (${result.model.numParameters.toLocaleString('en')} parameters)`],
    ['strategy', `${config.strategy} → ${result.strategy}`],
    ['clients', String(config.clients)],
    ['partition', partition.spec],
    ['rounds', String(config.rounds)],
    ['fraction of clients per round', String(config.fraction)],
    ['local epochs', String(config.localEpochs)],
    ['batch size', String(config.batchSize)],
    ['optimizer', config.optimizer === 'sgd' ? `SGD, learning rate ${config.learningRate}, momentum ${config.momentum}` : `Adam, learning rate ${config.learningRate}`],
    ['seed', String(config.seed)],
    ['workers', String(result.timing.workers)],
    ...privacyConfigRows(result),
  ];

  const participation = new Map<string, number>();
  for (const round of result.rounds) for (const id of round.participants) participation.set(id, (participation.get(id) ?? 0) + 1);
  const clientHeader = ['client', 'examples', ...partition.classNames, 'rounds taken part'];
  const clientRows = partition.clients.map((client, i) => {
    const id = partition.clientIds[i] ?? `client-${client.client}`;
    return [id, String(client.examples), ...client.labelCounts.map(String), String(participation.get(id) ?? 0)];
  });

  const roundHeader = ['round', 'accuracy', 'loss', ...(result.final.auc === undefined ? [] : ['AUC']), ...(privacy ? ['ε'] : []), 'train loss', 'clients', 'examples', 'centralised accuracy', 'time (ms)'];
  const roundRows = result.rounds.map((round) => {
    const centralRound = central?.rounds.find((r) => r.round === round.round);
    return [
      String(round.round),
      percent(round.accuracy),
      round.loss.toFixed(4),
      ...(result.final.auc === undefined ? [] : [round.auc === undefined ? '–' : round.auc.toFixed(4)]),
      ...(privacy ? [round.epsilon === undefined ? '–' : formatEpsilon(round.epsilon)] : []),
      // Not reported under sample-level DP (a client's training loss is not private).
      Number.isFinite(round.trainLoss) ? round.trainLoss.toFixed(4) : '–',
      String(round.participants.length),
      String(round.numExamples),
      centralRound ? percent(centralRound.accuracy) : '–',
      round.durationMs.toFixed(0),
    ];
  });

  return `${pageHead(title)}
<header>
<h1>Federated simulation report</h1>
<p class="lede">${escapeHtml(config.clients.toString())} clients held the <strong>${escapeHtml(dataset.name)}</strong> data split <strong>${escapeHtml(partition.spec)}</strong> and trained a <strong>${escapeHtml(result.model.spec)}</strong> model together with <strong>${escapeHtml(result.strategy)}</strong> for ${result.rounds.length} rounds, without pooling their records. The centralised baseline trains the same model on the pooled data for the same number of epochs.</p>
</header>
<main>
<section class="cards">
${cards}
</section>
<section>
<h2>Test accuracy per round</h2>
<div class="chart"><canvas id="accuracy-chart" role="img" aria-label="Test accuracy per round, federated and centralised"></canvas></div>
</section>
${privacy ? privacySection(result) : ''}
<section>
<h2>Test loss per round</h2>
<div class="chart"><canvas id="loss-chart" role="img" aria-label="Test loss per round, federated and centralised"></canvas></div>
</section>
<section>
<h2>Label distribution per client</h2>
<div class="chart"><canvas id="labels-chart" role="img" aria-label="Examples of each class held by each client"></canvas></div>
${table(clientHeader, clientRows, 'clients')}
</section>
<section>
<h2>Configuration</h2>
${table(['setting', 'value'], configRows, 'config')}
<p class="command">${escapeHtml(commandLine(result))}</p>
</section>
<section>
<details>
<summary>Per-round results</summary>
${table(roundHeader, roundRows, 'rounds')}
</details>
</section>
</main>
<footer>Generated by Cohort on ${escapeHtml(generatedAt)}. The run result is embedded in this file as JSON (element <code>#${REPORT_DATA_ID}</code>).</footer>
<script type="application/json" id="${REPORT_DATA_ID}">${jsonForScript(result)}</script>
<script>
${scriptSafe(options.chartJs)}
</script>
<script>
${scriptSafe(RENDER_SCRIPT)}
</script>
</body>
</html>
`;
}

/** The `cohort simulate` command that reproduces this run. */
export function commandLine(result: SimulationResult): string {
  const c = result.config;
  const parts = [
    'cohort simulate',
    `--data ${c.data}`,
    ...(c.label === undefined ? [] : [`--label ${c.label}`]),
    `--model ${c.model}`,
    `--clients ${c.clients}`,
    `--rounds ${c.rounds}`,
    `--partition ${c.partition}`,
    `--strategy ${c.strategy}`,
    `--local-epochs ${c.localEpochs}`,
    `--batch-size ${c.batchSize}`,
    `--optimizer ${c.optimizer}`,
    `--lr ${c.learningRate}`,
    ...(c.optimizer === 'sgd' ? [`--momentum ${c.momentum}`] : []),
    `--fraction ${c.fraction}`,
    `--seed ${c.seed}`,
    ...privacyCommandFlags(c),
    ...(c.aggregation === 'paillier'
      ? [
          '--aggregation paillier',
          ...(c.paillier?.keyBits === undefined ? [] : [`--paillier-bits ${c.paillier.keyBits}`]),
          ...(c.paillier?.updateRange === undefined ? [] : [`--paillier-update-range ${c.paillier.updateRange}`]),
        ]
      : []),
  ];
  return parts.join(' ');
}

/** Draws the three charts from the embedded run result. */
const RENDER_SCRIPT = `
(function () {
  var result = JSON.parse(document.getElementById('${REPORT_DATA_ID}').textContent);
  if (typeof Chart === 'undefined') return;
  var fed = getComputedStyle(document.documentElement).getPropertyValue('--fed').trim() || '#2563eb';
  var central = getComputedStyle(document.documentElement).getPropertyValue('--central').trim() || '#d97706';
  var labels = [0].concat(result.rounds.map(function (r) { return r.round; }));
  function series(key) {
    var sets = [{
      label: 'federated (' + result.strategy + ')',
      data: [result.initial[key]].concat(result.rounds.map(function (r) { return r[key]; })),
      borderColor: fed, backgroundColor: fed, tension: 0.15, pointRadius: 2
    }];
    if (result.centralized) {
      sets.push({
        label: result.privacy ? 'centralised baseline (non-private)' : 'centralised baseline',
        data: [result.initial[key]].concat(result.centralized.rounds.map(function (r) { return r[key]; })),
        borderColor: central, backgroundColor: central, borderDash: [6, 4], tension: 0.15, pointRadius: 0
      });
    }
    return sets;
  }
  function lineChart(id, key, yTitle, asPercent) {
    new Chart(document.getElementById(id), {
      type: 'line',
      data: { labels: labels, datasets: series(key) },
      options: {
        maintainAspectRatio: false, animation: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { title: { display: true, text: 'round (0 = initial model)' } },
          y: { title: { display: true, text: yTitle }, ticks: asPercent ? { callback: function (v) { return (v * 100).toFixed(0) + ' %'; } } : {} }
        },
        plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + (asPercent ? (c.parsed.y * 100).toFixed(2) + ' %' : c.parsed.y.toFixed(4)); } } } }
      }
    });
  }
  lineChart('accuracy-chart', 'accuracy', 'test accuracy', true);
  if (result.privacy) {
    var eps = [{ x: 0, y: 0 }].concat(result.rounds.map(function (r) { return { x: r.round, y: r.epsilon }; }));
    var epsSets = [{ label: 'ε spent (' + result.privacy.accountant.toUpperCase() + ', δ = ' + result.privacy.delta + ')', data: eps, borderColor: fed, backgroundColor: fed, showLine: true, pointRadius: 2 }];
    if (result.privacy.budgetEpsilon !== null) {
      epsSets.push({ label: 'budget ε = ' + result.privacy.budgetEpsilon, data: [{ x: 0, y: result.privacy.budgetEpsilon }, { x: result.config.rounds, y: result.privacy.budgetEpsilon }], borderColor: central, backgroundColor: central, borderDash: [6, 4], showLine: true, pointRadius: 0 });
    }
    new Chart(document.getElementById('epsilon-chart'), {
      type: 'scatter',
      data: { datasets: epsSets },
      options: {
        maintainAspectRatio: false, animation: false,
        scales: { x: { title: { display: true, text: 'round' } }, y: { beginAtZero: true, title: { display: true, text: 'ε spent so far' } } }
      }
    });
  }
  lineChart('loss-chart', 'loss', 'test loss (cross-entropy)', false);
  var palette = ['#2563eb', '#d97706', '#059669', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#9333ea', '#475569'];
  var partition = result.partition;
  new Chart(document.getElementById('labels-chart'), {
    type: 'bar',
    data: {
      labels: partition.clientIds,
      datasets: partition.classNames.map(function (name, k) {
        return { label: name, data: partition.clients.map(function (c) { return c.labelCounts[k]; }), backgroundColor: palette[k % palette.length] };
      })
    },
    options: {
      maintainAspectRatio: false, animation: false,
      scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: 'training examples' } } }
    }
  });
})();
`;
