/** HTML building blocks shared by the run report and the sweep report: escaping, cards, tables, style. */

export function card(label: string, value: string, note: string): string {
  return `<div class="card"><div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(value)}</div><div class="note">${escapeHtml(note)}</div></div>`;
}

export function table(header: readonly string[], rows: readonly (readonly string[])[], id: string): string {
  const head = header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<table id="${id}-table"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function percent(x: number, digits = 2): string {
  return `${(x * 100).toFixed(digits)} %`;
}

/** The start of a self-contained report page, up to and including `<body>`. */
export function pageHead(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
${STYLE}
</style>
</head>
<body>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);
}

/** JSON that cannot end its <script> element early: every "<" becomes \u003c (still valid JSON). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Inline script text: a literal "</script" would close the element, so it is broken up. */
export function scriptSafe(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1');
}

/** ε with five significant digits ("∞" for no privacy). */
export function formatEpsilon(epsilon: number): string {
  return Number.isFinite(epsilon) ? String(Number(epsilon.toPrecision(5))) : '∞';
}

export const STYLE = `
:root { color-scheme: light; --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --fed: #2563eb; --central: #d97706; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f8fafc; }
header, main, footer { max-width: 1080px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { font-size: 26px; margin: 0 0 8px; }
h2 { font-size: 18px; margin: 28px 0 10px; }
.lede { color: var(--muted); max-width: 820px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 12px; margin-top: 16px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .label { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.card .value { font-size: 24px; font-weight: 600; margin: 2px 0; }
.card .note { font-size: 13px; color: var(--muted); }
.chart { position: relative; height: 320px; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px; }
table { border-collapse: collapse; margin: 12px 0; background: #fff; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 4px 10px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
#config-table td, #privacy-table td { text-align: left; }
th { background: #f0f4f8; font-weight: 600; }
details summary { cursor: pointer; font-weight: 600; margin-top: 28px; }
.command { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; overflow-x: auto; white-space: nowrap; }
.stop { background: #fff7ed; border: 1px solid #fdba74; border-radius: 6px; padding: 8px 12px; }
footer { color: var(--muted); font-size: 13px; padding-top: 24px; padding-bottom: 32px; }
`;

