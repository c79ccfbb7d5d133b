/**
 * The dashboard page: one small HTML document, no framework and no external requests. It polls
 * /api/status and /api/rounds every 2 s and draws accuracy and loss as inline SVG polylines.
 * Text is inserted with textContent only (client names come from the network).
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Cohort server</title>
<style>
body{font:14px system-ui,sans-serif;margin:2rem;max-width:60rem;color:#222}
h1{font-size:1.3rem}table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #ddd;text-align:left}
.bar{height:.8rem;background:#eee;width:20rem}.bar>div{height:100%;background:#2a7}
svg{border:1px solid #ddd;background:#fafafa}.row{display:flex;gap:1rem;flex-wrap:wrap}
</style></head><body>
<h1>Cohort federation <span id="phase"></span></h1>
<p>Run <code id="run"></code> · round <b id="round"></b> of <b id="rounds"></b></p>
<div class="bar"><div id="progress" style="width:0"></div></div>
<h2>Connected clients (<span id="count">0</span>, need <span id="min"></span>)</h2><ul id="clients"></ul>
<div class="row"><div><h2>Test accuracy</h2><svg id="acc" width="420" height="180"></svg></div>
<div><h2>Loss</h2><svg id="loss" width="420" height="180"></svg></div></div>
<h2>Privacy spent per data owner</h2><table><thead><tr><th>owner</th><th>ε</th><th>δ</th><th>rounds</th></tr></thead><tbody id="privacy"></tbody></table>
<script>
const $ = (id) => document.getElementById(id);
function text(id, value){ $(id).textContent = String(value); }
function plot(svg, series){
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const W = +svg.getAttribute('width'), H = +svg.getAttribute('height'), pad = 24;
  const all = series.flatMap(s => s.points.map(p => p[1])).filter(Number.isFinite);
  if (all.length === 0) return;
  const n = Math.max(2, ...series.map(s => s.points.length));
  let lo = Math.min(...all), hi = Math.max(...all); if (hi - lo < 1e-9) { hi += 0.5; lo -= 0.5; }
  for (const s of series) {
    const pts = s.points.filter(p => Number.isFinite(p[1])).map((p, i) => [pad + (W - 2*pad) * (p[0] - 1) / (n - 1), H - pad - (H - 2*pad) * (p[1] - lo) / (hi - lo)]);
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
    line.setAttribute('points', pts.map(p => p.join(',')).join(' '));
    line.setAttribute('fill', 'none'); line.setAttribute('stroke', s.color); line.setAttribute('stroke-width', '2');
    svg.appendChild(line);
  }
  for (const [y, v] of [[pad, hi], [H - pad, lo]]) {
    const t = document.createElementNS('http://www.w3.org/2000/svg', 'text');
    t.setAttribute('x', '2'); t.setAttribute('y', String(y)); t.setAttribute('font-size', '10'); t.textContent = v.toFixed(3); svg.appendChild(t);
  }
}
async function refresh(){
  try {
    const [status, rounds] = await Promise.all([fetch('/api/status').then(r => r.json()), fetch('/api/rounds').then(r => r.json())]);
    text('phase', '(' + status.phase + ')'); text('run', status.runId); text('round', status.round); text('rounds', status.rounds);
    text('count', status.connectedClients.length); text('min', status.minClients);
    $('progress').style.width = (100 * status.round / status.rounds) + '%';
    const ul = $('clients'); ul.replaceChildren(...status.connectedClients.map(c => { const li = document.createElement('li'); li.textContent = c; return li; }));
    const body = $('privacy'); body.replaceChildren(...status.privacy.map(p => { const tr = document.createElement('tr'); for (const v of [p.client, p.epsilon.toFixed(4), p.delta.toExponential(2), p.rounds]) { const td = document.createElement('td'); td.textContent = String(v); tr.appendChild(td); } return tr; }));
    plot($('acc'), [{ color: '#2a7', points: rounds.map(r => [r.round, r.accuracy]) }]);
    plot($('loss'), [{ color: '#c33', points: rounds.map(r => [r.round, r.loss]) }, { color: '#36c', points: rounds.map(r => [r.round, r.trainLoss]) }]);
  } catch (e) { text('phase', '(server unreachable)'); }
}
refresh(); setInterval(refresh, 2000);
</script></body></html>
`;
