// The training panel's front end: a pure view of the run the host sends. Snapshot → rebuild; events → append,
// redraw at most once per animation frame.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { ModelSummary, RunEvent, RunStartedEvent } from '../../src/protocol/runEvents';
import type { HostToPanel, PanelToHost, RunStatus, RunView } from '../../src/protocol/webview';
import { LineChart, type Marker, onPngLinks, type Point } from '../common/charts';
import { progressLine, ProgressTracker } from '../../src/runs/progress';
import { renderConfusion, renderReport } from './results';
import { GradientView } from './gradients';
import { $, hostApi } from '../common/page';

const vscode = hostApi<PanelToHost>();

const app = document.getElementById('app')!;
/** A small "save as PNG" action for a chart's caption. */
const png = (chart: string) => `<a class="png" href="#" data-chart="${chart}" title="Save this chart as charts/${chart}.png in the run folder">PNG</a>`;
app.innerHTML = `
  <header>
    <h1 id="run-name">Gradient Lab</h1>
    <vscode-badge id="status" variant="default"></vscode-badge>
    <span class="facts"><span id="engine"></span><span id="throughput"></span><span>test accuracy <strong id="test-accuracy">–</strong></span></span>
    <span class="actions"><vscode-button id="stop" secondary>Stop</vscode-button><vscode-button id="open-report" secondary hidden>Open Report</vscode-button><vscode-button id="reveal" secondary>Reveal Folder</vscode-button></span>
  </header>
  <p id="progress"></p>
  <p id="features" class="note" hidden></p>
  <p id="message" class="error" hidden></p>
  <p id="empty">No run to show. Run <strong>Gradient Lab: Train Experiment…</strong> on an experiment file.</p>
  <section id="charts" class="charts" hidden>
    <figure><figcaption>Loss ${png('loss')}</figcaption><div class="chart"><canvas id="loss-chart"></canvas></div></figure>
    <figure><figcaption>Accuracy ${png('accuracy')}</figcaption><div class="chart"><canvas id="accuracy-chart"></canvas></div></figure>
    <figure><figcaption>Step time ${png('step')}</figcaption><div class="chart"><canvas id="step-chart"></canvas></div></figure>
    <figure><figcaption>L2 regularizer ½Σw² (dense layers, without λ) ${png('l2')}</figcaption><div class="chart"><canvas id="l2-chart"></canvas></div></figure>
  </section>
  <section id="gradients" class="gradients" hidden>
    <figure><figcaption>Gradient magnitude per layer <span id="compare-name"></span> ${png('gradient')}</figcaption><div class="chart tall"><canvas id="gradient-chart"></canvas></div></figure>
    <figure><figcaption>Layer × step: log<sub>10</sub> ‖∇W‖</figcaption><canvas id="gradient-heatmap" class="heatmap"></canvas><p id="heatmap-readout" class="readout">Hover for the numbers.</p></figure>
    <figure><figcaption>Dead ReLU units per layer (latest step)</figcaption><div class="chart"><canvas id="dead-chart"></canvas></div></figure>
  </section>
  <section id="model" hidden>
    <details><summary id="model-heading">Model</summary><p id="model-base" class="note"></p>
    <div class="scroll-x"><table id="model-table" class="report"><thead><tr><th>layer</th><th>type</th><th>output shape</th><th>parameters</th><th></th></tr></thead><tbody></tbody></table></div></details>
  </section>
  <section id="rounds" hidden>
    <figure><figcaption>Semi-supervised rounds</figcaption><table id="rounds-table" class="report"><thead><tr><th>round</th><th>from epoch</th><th>labeled</th><th>pseudo-labels</th><th>of them right</th><th>weight</th><th>validation accuracy after</th></tr></thead><tbody></tbody></table></figure>
  </section>
  <section id="results" class="results" hidden>
    <figure><figcaption>Confusion matrix (test set)</figcaption><div id="confusion"></div></figure>
    <figure><figcaption>Classification report (test set)</figcaption><div id="report"></div></figure>
  </section>`;

const series = {
  trainLoss: [] as Point[], valLoss: [] as Point[], trainAcc: [] as Point[], valAcc: [] as Point[], stepMs: [] as Point[], l2: [] as Point[],
};
/** Where a fine-tune's unfreeze phase begins, on the loss and accuracy curves. */
const markers: Marker[] = [];
const charts = [
  new LineChart($('loss-chart') as HTMLCanvasElement, [
    { label: 'train (per step)', color: '--vscode-charts-blue', points: series.trainLoss },
    { label: 'validation (per epoch)', color: '--vscode-charts-orange', points: series.valLoss, perEpoch: true },
  ], { markers }),
  new LineChart($('accuracy-chart') as HTMLCanvasElement, [
    { label: 'train (per step)', color: '--vscode-charts-blue', points: series.trainAcc },
    { label: 'validation (per epoch)', color: '--vscode-charts-orange', points: series.valAcc, perEpoch: true },
  ], { percent: true, markers }),
  new LineChart($('step-chart') as HTMLCanvasElement, [{ label: 'ms per step', color: '--vscode-charts-green', points: series.stepMs }], { yLabel: 'ms' }),
  new LineChart($('l2-chart') as HTMLCanvasElement, [{ label: '½Σw²', color: '--vscode-charts-purple', points: series.l2 }]),
];

const gradients = new GradientView($('gradients'), $('gradient-heatmap') as HTMLCanvasElement, $('heatmap-readout'), $('gradient-chart') as HTMLCanvasElement, $('dead-chart') as HTMLCanvasElement);

let run: { runId: string; folder: string; status: RunStatus; started?: RunStartedEvent; lastStep: number; progress: ProgressTracker } | undefined;
let frame = 0;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function clear(): void {
  for (const s of Object.values(series)) s.length = 0;
  $('confusion').replaceChildren();
  $('report').replaceChildren();
  $('results').hidden = true;
  $('message').hidden = true;
  $('test-accuracy').textContent = '–';
  $('throughput').textContent = '';
  $('engine').textContent = '';
  $('progress').textContent = '';
  $('compare-name').textContent = '';
  $('rounds').hidden = true;
  $('rounds-table').querySelector('tbody')!.replaceChildren();
  $('features').hidden = true;
  $('model').hidden = true;
  $('model-table').querySelector('tbody')!.replaceChildren();
  ($('open-report') as HTMLElement).hidden = true;
  markers.length = 0;
  gradients.reset();
}

/** The model layer by layer; a fine-tune's base rows say frozen until the unfreeze phase makes them trainable. */
function renderSummary(summary: ModelSummary, unfrozen: string[] = []): void {
  const body = $('model-table').querySelector('tbody')!;
  body.replaceChildren();
  for (const r of summary.rows) {
    const row = body.appendChild(document.createElement('tr'));
    const trains = !r.params ? '' : unfrozen.includes(r.name) ? 'unfrozen' : r.trainable ? 'trains' : 'frozen';
    for (const c of [r.name, r.type, r.outputShape, r.params.toLocaleString('en'), trains]) row.appendChild(document.createElement('td')).textContent = c;
    if (trains === 'frozen') row.classList.add('frozen');
  }
  const frozen = summary.totalParams - summary.trainableParams;
  $('model-heading').textContent = `Model: ${summary.rows.length} layers, ${summary.totalParams.toLocaleString('en')} parameters (${summary.trainableParams.toLocaleString('en')} trainable${frozen ? `, ${frozen.toLocaleString('en')} frozen` : ''})`;
  const b = summary.base;
  $('model-base').textContent = b ? `Pretrained base ${b.file} (${b.kind} model), cut at ${b.cutAt}, input ${b.input.join('×')}, ${b.featureDim} features → new head.` : '';
  $('model-base').hidden = !b;
  $('model').hidden = false;
}

/** One row per semi-supervised round; its last cell fills in when the round's last epoch is validated. */
function addRound(e: Extract<RunEvent, { type: 'round' }>): void {
  const row = document.createElement('tr');
  const cells = [e.round, e.epoch, e.labeled, e.method === 'none' ? '— (baseline)' : e.pseudoLabels, e.pseudoLabels ? `${((100 * e.pseudoCorrect) / e.pseudoLabels).toFixed(1)}%` : '–', e.method === 'none' ? '–' : e.weight.toFixed(2), '…'];
  for (const c of cells) row.appendChild(document.createElement('td')).textContent = String(c);
  $('rounds-table').querySelector('tbody')!.appendChild(row);
  $('rounds').hidden = false;
}

function apply(e: RunEvent): void {
  if (!run) return;
  const at = run.progress.update(e);
  switch (e.type) {
    case 'started':
      run.started = e;
      $('run-name').textContent = e.experiment.name;
      $('engine').textContent = `engine ${e.engine}`;
      if (e.summary) renderSummary(e.summary);
      if (e.warnings?.length) {
        $('message').textContent = e.warnings.join('\n');
        $('message').hidden = false;
      }
      break;
    case 'features':
      $('features').textContent = e.cache === 'off'
        ? `Base features: ${e.note}`
        : `Base features of ${e.images} images (${e.dim} each) ${e.cache === 'hit' ? 'read from the cache' : 'computed and cached'} in ${e.seconds.toFixed(1)} s: the head trains on them, the base does not run again.${e.note ? ` Note: ${e.note}` : ''}`;
      $('features').hidden = false;
      break;
    case 'phase':
      markers.push({ x: run.lastStep + 0.5, label: `unfreeze (epoch ${e.epoch})` });
      if (run.started?.summary) renderSummary({ ...run.started.summary, trainableParams: e.trainableParams }, e.unfrozenLayers);
      $('features').textContent = `${$('features').textContent ?? ''} Unfreeze phase from epoch ${e.epoch}${e.reason === 'patience' ? ' (validation loss stopped improving)' : ''}: ${plural(e.unfrozenLayers.length, 'layer')} of the base trainable, learning rate ${e.learningRate}.`;
      $('features').hidden = false;
      break;
    case 'batch': {
      // the snapshot sent as a run starts has no steps yet, so its charts were hidden: the first step shows them
      $('charts').hidden = false;
      run.lastStep = e.step;
      series.trainLoss.push({ x: e.step, y: e.loss });
      series.trainAcc.push({ x: e.step, y: e.accuracy });
      series.stepMs.push({ x: e.step, y: e.stepMs });
      series.l2.push({ x: e.step, y: e.l2 });
      $('progress').textContent = `${progressLine(at!)} · loss ${e.loss.toFixed(4)} · accuracy ${(100 * e.accuracy).toFixed(1)}%`;
      break;
    }
    case 'gradients':
      gradients.add(e);
      break;
    case 'round':
      addRound(e);
      break;
    case 'epoch': {
      const last = $('rounds-table').querySelector('tbody')!.lastElementChild?.lastElementChild;
      if (last && e.valAccuracy !== undefined) last.textContent = `${(100 * e.valAccuracy).toFixed(2)}%`;
      if (e.valLoss !== undefined) series.valLoss.push({ x: run.lastStep, y: e.valLoss });
      if (e.valAccuracy !== undefined) series.valAcc.push({ x: run.lastStep, y: e.valAccuracy });
      break;
    }
    case 'finished':
      $('throughput').textContent = `${e.samplesPerSec.toFixed(0)} samples/s`;
      $('progress').textContent = e.status === 'cancelled'
        ? `cancelled after ${plural(e.steps, 'step')}`
        : `finished: ${plural(e.epochsDone, 'epoch')}, ${plural(e.steps, 'step')} in ${e.seconds.toFixed(1)} s` +
          `${e.stoppedEarly ? ' (stopped early: validation loss stopped improving)' : ''}${e.restoredEpoch !== undefined ? `; tested with the best checkpoint (epoch ${e.restoredEpoch})` : ''}`;
      ($('open-report') as HTMLElement).hidden = !e.outputs?.some((f) => f.endsWith('report.html'));
      if (e.test) {
        $('test-accuracy').textContent = `${(100 * e.test.accuracy).toFixed(2)}%`;
        const names = run.started?.classNames ?? e.test.perClass.map((c) => c.name);
        renderConfusion($('confusion'), e.test, names);
        renderReport($('report'), e.test);
        $('results').hidden = false;
      }
      break;
    case 'failed':
      $('message').textContent = e.message;
      $('message').hidden = false;
      $('progress').textContent = 'failed';
      break;
  }
}

function showStatus(status: RunStatus): void {
  if (!run) return;
  run.status = status;
  $('status').textContent = status;
  $('status').dataset.status = status;
  ($('stop') as HTMLElement).hidden = status !== 'running' && status !== 'starting';
  document.body.dataset.status = status;
}

function scheduleRedraw(): void {
  frame ||= requestAnimationFrame(() => {
    frame = 0;
    charts.forEach((c) => c.redraw());
    gradients.redraw();
  });
}

function showRun(view: RunView | undefined, compare?: RunView): void {
  clear();
  $('empty').hidden = !!view;
  $('charts').hidden = !view;
  ($('reveal') as HTMLElement).hidden = !view?.folder;
  ($('stop') as HTMLElement).hidden = true;
  if (!view) {
    run = undefined;
    $('run-name').textContent = 'Gradient Lab';
    $('status').textContent = '';
    scheduleRedraw();
    return;
  }
  run = { runId: view.runId, folder: view.folder, status: view.status, lastStep: 0, progress: new ProgressTracker() };
  $('run-name').textContent = view.name;
  view.events.forEach(apply);
  // a probe without training has no steps: show only its gradient profile
  $('charts').hidden = !view.events.some((e) => e.type === 'batch');
  if (compare) {
    const last = [...compare.events].reverse().find((e) => e.type === 'gradients');
    gradients.setCompare(compare.name, last?.type === 'gradients' ? last : undefined);
    $('compare-name').textContent = `— ${view.name} (blue) vs ${compare.name} (orange)`;
  }
  showStatus(view.status);
  scheduleRedraw();
}

window.addEventListener('message', (event: MessageEvent<HostToPanel>) => {
  const m = event.data;
  if (m.type === 'snapshot') showRun(m.run, m.compare);
  else if (m.type === 'events' && run && m.runId === run.runId) {
    m.events.forEach(apply);
    showStatus(m.status);
    scheduleRedraw();
  }
});

onPngLinks((name, dataUrl) => run && vscode.postMessage({ type: 'savePng', runId: run.runId, name, dataUrl }));
$('stop').addEventListener('click', () => run && vscode.postMessage({ type: 'cancel', runId: run.runId }));
$('reveal').addEventListener('click', () => run && vscode.postMessage({ type: 'revealFolder', runId: run.runId }));
$('open-report').addEventListener('click', () => run && vscode.postMessage({ type: 'openReport', runId: run.runId }));
// VS Code swaps the body's theme class: re-read the colours
new MutationObserver(() => {
  charts.forEach((c) => c.applyTheme());
  gradients.redraw();
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });
vscode.postMessage({ type: 'ready' });
