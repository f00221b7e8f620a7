// The compare panel's front end: curves of several runs overlaid (legend = the settings that differ), a sortable
// table of the runs, and a chosen metric against a chosen setting with mean ± std over the runs that share a value.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import type { CompareRun, CompareToHost, CompareView, HostToCompare } from '../../src/protocol/compare';
import { meanStd } from '../../src/runs/stats';
import { LineChart, onPngLinks, type Point, type Series } from '../common/charts';
import { ErrorBarChart } from './errorBars';
import { $, fixed, hostApi, percent } from '../common/page';
import { chartPalette } from '../common/theme';

const vscode = hostApi<CompareToHost>();

const png = (chart: string) => `<a class="png" href="#" data-chart="${chart}" title="Save as charts/compare-${chart}.png">PNG</a>`;
const app = document.getElementById('app')!;
app.innerHTML = `
  <header><h1 id="title">Compare runs</h1><span class="facts" id="facts"></span></header>
  <p id="empty">No runs to compare yet.</p>
  <section id="charts" class="charts">
    <figure><figcaption>Validation loss ${png('val-loss')}</figcaption><div class="chart"><canvas id="val-loss-chart"></canvas></div></figure>
    <figure><figcaption>Validation accuracy ${png('val-accuracy')}</figcaption><div class="chart"><canvas id="val-accuracy-chart"></canvas></div></figure>
    <figure><figcaption>Training loss (epoch mean) ${png('train-loss')}</figcaption><div class="chart"><canvas id="train-loss-chart"></canvas></div></figure>
    <figure><figcaption>Training accuracy (epoch mean) ${png('train-accuracy')}</figcaption><div class="chart"><canvas id="train-accuracy-chart"></canvas></div></figure>
    <figure><figcaption>Step time (epoch mean) ${png('step')}</figcaption><div class="chart"><canvas id="step-chart"></canvas></div></figure>
    <figure><figcaption>L2 regularizer ½Σw² ${png('l2')}</figcaption><div class="chart"><canvas id="l2-chart"></canvas></div></figure>
  </section>
  <section class="compare-lower">
    <figure><figcaption>Runs <span class="hint">(click a heading to sort, a row to open the run)</span></figcaption><table id="runs-table" class="runs"></table></figure>
    <figure id="metric-figure"><figcaption>
      <label><select id="metric"><option value="bestValLoss">best validation loss</option><option value="bestValAccuracy">best validation accuracy</option><option value="testAccuracy">test accuracy</option><option value="lastValLoss">last epochs' validation loss</option></select></label>
      against <label><select id="setting"></select></label> <span class="hint">mean ± std over runs with the same value</span> ${png('metric')}
    </figcaption><div class="chart"><canvas id="metric-chart"></canvas></div><p id="metric-readout" class="readout"></p></figure>
  </section>`;

const colors = chartPalette;
const dashes = [undefined, [6, 3], [2, 2], [10, 3, 2, 3]];

type Metric = (r: CompareRun) => number | undefined;
const metrics: Record<string, { label: string; value: Metric; percent?: boolean }> = {
  bestValLoss: { label: 'best validation loss', value: (r) => r.bestValLoss },
  bestValAccuracy: { label: 'best validation accuracy', value: (r) => r.bestValAccuracy, percent: true },
  testAccuracy: { label: 'test accuracy', value: (r) => r.testAccuracy, percent: true },
  // the mean of the last three validated epochs: less noisy than the last alone
  lastValLoss: { label: "last epochs' validation loss", value: (r) => {
    const v = r.epochs.filter((e) => e.valLoss !== undefined).slice(-3).map((e) => e.valLoss!);
    return v.length ? meanStd(v).mean : undefined;
  } },
};

let view: CompareView | undefined;
let sort: { key: string; descending: boolean } = { key: 'bestValLoss', descending: false };
let charts: LineChart[] = [];
let metricChart: ErrorBarChart | undefined;

/** Setting names without their common parents ("learningRate" for optimizer.learningRate) unless that is ambiguous. */
function shortNames(settings: string[]): Record<string, string> {
  const last = settings.map((s) => s.split('.').at(-1)!);
  return Object.fromEntries(settings.map((s, i) => [s, last.filter((l) => l === last[i]).length > 1 ? s : last[i]]));
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function legend(run: CompareRun, names: Record<string, string>): string {
  const parts = Object.entries(run.values).map(([k, v]) => `${names[k]}=${show(v)}`);
  return parts.length ? parts.join(', ') : run.name;
}

function drawCharts(v: CompareView): void {
  charts.forEach((c) => c.chart.destroy());
  const names = shortNames(v.settings);
  const series = (pick: (e: CompareRun['epochs'][number]) => number | undefined): Series[] => v.runs.map((r, i) => ({
    label: legend(r, names), color: colors[i % colors.length], dash: dashes[Math.floor(i / colors.length) % dashes.length], perEpoch: true,
    points: r.epochs.flatMap((e): Point[] => (pick(e) === undefined ? [] : [{ x: e.epoch, y: pick(e)! }])),
  }));
  const epoch = { xLabel: 'epoch' };
  charts = [
    new LineChart($('val-loss-chart') as HTMLCanvasElement, series((e) => e.valLoss), epoch),
    new LineChart($('val-accuracy-chart') as HTMLCanvasElement, series((e) => e.valAccuracy), { ...epoch, percent: true }),
    new LineChart($('train-loss-chart') as HTMLCanvasElement, series((e) => e.trainLoss), epoch),
    new LineChart($('train-accuracy-chart') as HTMLCanvasElement, series((e) => e.trainAccuracy), { ...epoch, percent: true }),
    new LineChart($('step-chart') as HTMLCanvasElement, series((e) => e.stepMs), { ...epoch, yLabel: 'ms' }),
    new LineChart($('l2-chart') as HTMLCanvasElement, series((e) => e.l2), epoch),
  ];
  charts.forEach((c) => c.redraw());
}


function drawTable(v: CompareView): void {
  const names = shortNames(v.settings);
  const columns: { key: string; label: string; value: (r: CompareRun) => unknown; text: (r: CompareRun) => string }[] = [
    ...v.settings.map((s) => ({ key: `setting:${s}`, label: names[s], value: (r: CompareRun) => r.values[s], text: (r: CompareRun) => show(r.values[s]) })),
    { key: 'status', label: 'status', value: (r) => r.status, text: (r) => r.status },
    { key: 'bestValLoss', label: 'best val loss', value: (r) => r.bestValLoss, text: (r) => fixed(r.bestValLoss) },
    { key: 'bestValAccuracy', label: 'best val acc', value: (r) => r.bestValAccuracy, text: (r) => percent(r.bestValAccuracy) },
    { key: 'testAccuracy', label: 'test acc', value: (r) => r.testAccuracy, text: (r) => percent(r.testAccuracy) },
    { key: 'seconds', label: 'time', value: (r) => r.seconds, text: (r) => (r.seconds === undefined ? '–' : `${r.seconds.toFixed(r.seconds < 10 ? 1 : 0)} s`) },
  ];
  const column = columns.find((c) => c.key === sort.key) ?? columns[0];
  const order = v.runs.map((r, i) => ({ r, i })).sort((a, b) => {
    const x = column.value(a.r);
    const y = column.value(b.r);
    // runs without the figure (still running, failed) go last either way
    if (x === undefined || y === undefined) return x === undefined ? (y === undefined ? 0 : 1) : -1;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : show(x).localeCompare(show(y));
    return sort.descending ? -c : c;
  });
  const table = $('runs-table');
  table.replaceChildren();
  const head = table.appendChild(document.createElement('thead')).appendChild(document.createElement('tr'));
  head.appendChild(document.createElement('th')).textContent = '';
  for (const c of columns) {
    const th = head.appendChild(document.createElement('th'));
    th.textContent = c.label + (c.key === sort.key ? (sort.descending ? ' ▼' : ' ▲') : '');
    th.dataset.key = c.key;
    th.setAttribute('aria-sort', c.key === sort.key ? (sort.descending ? 'descending' : 'ascending') : 'none');
    th.tabIndex = 0;
    th.addEventListener('click', () => {
      sort = { key: c.key, descending: sort.key === c.key ? !sort.descending : false };
      drawTable(v);
    });
  }
  const body = table.appendChild(document.createElement('tbody'));
  for (const { r, i } of order) {
    const tr = body.appendChild(document.createElement('tr'));
    tr.title = r.folder;
    const swatch = tr.appendChild(document.createElement('td')).appendChild(document.createElement('span'));
    swatch.className = 'swatch';
    swatch.style.background = `var(${colors[i % colors.length]})`;
    for (const c of columns) tr.appendChild(document.createElement('td')).textContent = c.text(r);
    tr.addEventListener('click', () => vscode.postMessage({ type: 'openRun', folder: r.folder }));
  }
}

function drawMetric(v: CompareView): void {
  const select = $('setting') as HTMLSelectElement;
  const chosen = select.value;
  select.replaceChildren(...v.settings.filter((s) => s !== 'seed').map((s) => Object.assign(document.createElement('option'), { value: s, textContent: s })));
  if (v.settings.includes(chosen)) select.value = chosen;
  const setting = select.value;
  $('metric-figure').hidden = !setting;
  if (!setting) return;
  const metric = metrics[($('metric') as HTMLSelectElement).value];
  const groups = new Map<string, number[]>();
  for (const r of v.runs) {
    const y = metric.value(r);
    if (y === undefined) continue;
    const key = show(r.values[setting]);
    groups.set(key, [...(groups.get(key) ?? []), y]);
  }
  const keys = [...groups.keys()].sort((a, b) => (Number.isNaN(Number(a)) || Number.isNaN(Number(b)) ? a.localeCompare(b) : Number(a) - Number(b)));
  const points = keys.map((k) => ({ label: k, ...meanStd(groups.get(k)!) }));
  metricChart ??= new ErrorBarChart($('metric-chart') as HTMLCanvasElement);
  metricChart.set(points, setting, metric.label, !!metric.percent);
  const fmt = (x: number) => (metric.percent ? `${(100 * x).toFixed(2)}%` : x.toFixed(4));
  $('metric-readout').textContent = points.map((p) => `${setting}=${p.label}: ${fmt(p.mean)}${p.n > 1 ? ` ± ${fmt(p.std)} (n=${p.n})` : ''}`).join(' · ');
}

function render(v: CompareView): void {
  view = v;
  $('title').textContent = v.title;
  $('facts').textContent = v.settings.length ? `differing: ${v.settings.join(', ')}` : 'the runs share every setting';
  $('empty').hidden = v.runs.length > 0;
  drawCharts(v);
  drawTable(v);
  drawMetric(v);
  document.body.dataset.runs = String(v.runs.length);
}

window.addEventListener('message', (event: MessageEvent<HostToCompare>) => {
  if (event.data.type === 'snapshot') render(event.data.view);
});
$('setting').addEventListener('change', () => view && drawMetric(view));
$('metric').addEventListener('change', () => view && drawMetric(view));
onPngLinks((name, dataUrl) => vscode.postMessage({ type: 'savePng', name, dataUrl }));
new MutationObserver(() => view && render(view)).observe(document.body, { attributes: true, attributeFilter: ['class'] });
vscode.postMessage({ type: 'ready' });
