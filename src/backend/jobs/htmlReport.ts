// report.html: every test image with its top class scores as bars, right and wrong marked, filterable by class
// and by mistakes; the confusion matrix and the classification report. One self-contained file (images as data
// URIs) that opens in a browser or in the editor's panel. Every name that comes from the data — class folders,
// file names — is HTML-escaped, and the page's Content-Security-Policy admits only its own script (by hash), so
// a file or folder named like markup stays text.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestResult } from '../../protocol/runEvents';
import type { Dataset } from '../data/datasets';
import { encodePng, resizeRgb } from '../data/imageCodec';
import type { Evaluation } from '../training/objective';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const filterScript = `
const cards = [...document.querySelectorAll('.card')];
const cls = document.getElementById('class');
const mistakes = document.getElementById('mistakes');
const shown = document.getElementById('shown');
function apply() {
  let n = 0;
  for (const c of cards) {
    const ok = (cls.value === '' || c.dataset.true === cls.value) && (!mistakes.checked || c.dataset.correct === '0');
    c.hidden = !ok;
    if (ok) n++;
  }
  shown.textContent = n + ' of ' + cards.length + ' images';
}
cls.addEventListener('change', apply);
mistakes.addEventListener('change', apply);
apply();
`;

const style = `
body { font-family: var(--vscode-font-family, system-ui, sans-serif); font-size: var(--vscode-font-size, 13px); color: var(--vscode-foreground, #222); background: var(--vscode-editor-background, #fff); margin: 16px; }
h1 { font-size: 1.4em; margin: 0 0 4px; } h2 { font-size: 1.1em; margin: 20px 0 8px; }
.muted { opacity: 0.75; }
.controls { display: flex; gap: 16px; align-items: center; margin: 12px 0; position: sticky; top: 0; padding: 6px 0; background: var(--vscode-editor-background, #fff); }
select, input { font: inherit; color: inherit; background: var(--vscode-dropdown-background, #fff); border: 1px solid var(--vscode-dropdown-border, #bbb); }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px; }
.card { border: 2px solid var(--vscode-testing-iconPassed, #2e7d32); border-radius: 4px; padding: 6px; }
.card.wrong { border-color: var(--vscode-testing-iconFailed, #c62828); }
.card img { width: 64px; height: 64px; image-rendering: pixelated; float: left; margin-right: 6px; }
.card .file { font-size: 0.85em; word-break: break-all; opacity: 0.8; clear: both; padding-top: 4px; }
.verdict { font-weight: 600; }
.bar { display: flex; align-items: center; gap: 4px; font-size: 0.85em; margin: 2px 0; }
.bar .name { flex: 0 0 70px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.bar .track { flex: 1; height: 8px; background: var(--vscode-editorWidget-border, #ddd); }
.bar .fill { height: 8px; background: var(--vscode-charts-blue, #1a73e8); }
.bar.true .fill { background: var(--vscode-charts-green, #2e7d32); }
table { border-collapse: collapse; } td, th { border: 1px solid var(--vscode-editorWidget-border, #ccc); padding: 2px 6px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
`;

function thumbnail(data: Dataset, i: number): string {
  const c = (data.channels ?? 1) as 1 | 3;
  const pixels = data.height * data.width * c;
  let bytes = (data.test.images as Uint8Array).subarray(i * pixels, (i + 1) * pixels);
  let [h, w] = [data.height, data.width];
  if (c === 3 && (h > 64 || w > 64)) {
    bytes = resizeRgb({ height: h, width: w, rgb: bytes }, 64, 64);
    [h, w] = [64, 64];
  }
  return `data:image/png;base64,${encodePng(bytes, h, w, c).toString('base64')}`;
}

export interface ReportInput {
  name: string;
  data: Dataset;
  evaluation: Evaluation;
  test: TestResult;
}

export function reportHtml({ name, data, evaluation, test }: ReportInput): string {
  const script = filterScript;
  const names = data.classNames;
  const k = names.length;
  const cards: string[] = [];
  for (let i = 0; i < data.test.count; i++) {
    const truth = data.test.labels[i];
    const guess = evaluation.predicted[i];
    const probs = Array.from(evaluation.probabilities.subarray(i * k, (i + 1) * k));
    const top = probs.map((p, c) => [p, c] as const).sort((a, b) => b[0] - a[0]).slice(0, 3);
    const bars = top.map(([p, c]) => `<div class="bar${c === truth ? ' true' : ''}"><span class="name" title="${escapeHtml(names[c])}">${escapeHtml(names[c])}</span><span class="track"><div class="fill" style="width:${(100 * p).toFixed(1)}%"></div></span><span>${(100 * p).toFixed(1)}%</span></div>`).join('');
    const file = data.test.files?.[i] ?? `test image ${i + 1}`;
    const ok = truth === guess;
    cards.push(`<div class="card${ok ? '' : ' wrong'}" data-true="${truth}" data-correct="${ok ? 1 : 0}"><img alt="" src="${thumbnail(data, i)}">` +
      `<div class="verdict">${ok ? '✓' : '✗'} ${escapeHtml(names[guess])}</div><div class="muted">true: ${escapeHtml(names[truth])}</div>${bars}<div class="file">${escapeHtml(file)}</div></div>`);
  }
  const options = names.map((n, c) => `<option value="${c}">${escapeHtml(n)}</option>`).join('');
  const confusion = `<table><tr><th>true \\ predicted</th>${names.map((n) => `<th>${escapeHtml(n)}</th>`).join('')}</tr>${test.confusion.map((row, r) => `<tr><td>${escapeHtml(names[r])}</td>${row.map((v) => `<td>${v}</td>`).join('')}</tr>`).join('')}</table>`;
  const pct = (x: number) => (100 * x).toFixed(1);
  const report = `<table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>${test.perClass.map((c) => `<tr><td>${escapeHtml(c.name)}</td><td>${pct(c.precision)}%</td><td>${pct(c.recall)}%</td><td>${pct(c.f1)}%</td><td>${c.support}</td></tr>`).join('')}<tr><td>accuracy</td><td></td><td></td><td>${pct(test.accuracy)}%</td><td>${data.test.count}</td></tr></table>`;
  const hash = createHash('sha256').update(script).digest('base64');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-${hash}'">
<title>${escapeHtml(name)} — test report</title><style>${style}</style></head>
<body class="report">
<h1>${escapeHtml(name)} — test images</h1>
<div class="muted">test accuracy ${pct(test.accuracy)}% · loss ${test.loss.toFixed(4)} · ${data.test.count} images · ${data.test.count - Math.round(test.accuracy * data.test.count)} mistakes</div>
<div class="controls"><label>class <select id="class"><option value="">all classes</option>${options}</select></label>
<label><input type="checkbox" id="mistakes"> mistakes only</label><span id="shown" class="muted"></span></div>
<div class="grid">${cards.join('\n')}</div>
<h2>Confusion matrix</h2>${confusion}
<h2>Classification report</h2>${report}
<script>${script}</script>
</body></html>
`;
}

export function writeReport(folder: string, input: ReportInput): string {
  const file = join(folder, 'report.html');
  writeFileSync(file, reportHtml(input));
  return file;
}
