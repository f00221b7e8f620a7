// The vanishing-gradient view: gradient norm per layer on a log scale (one line per recorded step, old → new
// fading in, the y range fitted to the recent steps rather than all time), a layer × step heatmap of log10 norm,
// the dead fraction of ReLU layers, and an optional second run overlaid for comparison.
import { Chart, LogarithmicScale } from 'chart.js';
import type { GradientsEvent } from '../../src/protocol/runEvents';
import { axisColors, css } from '../common/theme';

Chart.register(LogarithmicScale);

const shownSteps = 12;

export class GradientView {
  private readonly probes: GradientsEvent[] = [];
  private compare: { name: string; probe: GradientsEvent } | undefined;
  private readonly chart: Chart<'line', { x: number; y: number }[]>;
  private readonly dead: Chart<'line', { x: number; y: number }[]>;

  constructor(private readonly section: HTMLElement, private readonly heatmap: HTMLCanvasElement, private readonly readout: HTMLElement, profile: HTMLCanvasElement, deadCanvas: HTMLCanvasElement) {
    const axes = (y: object) => ({ x: { type: 'linear' as const, title: { display: true, text: 'layer (input side left)' }, ticks: { precision: 0 } }, y });
    this.chart = new Chart(profile, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, parsing: false,
        scales: axes({
          type: 'logarithmic', title: { display: true, text: '‖∇W‖ (L2 norm)' },
          // powers of ten only, as 1e-12
          ticks: { callback: (v: string | number) => (Number.isInteger(Math.log10(Number(v))) ? Number(v).toExponential(0) : '') },
        }),
        plugins: {
          legend: { labels: { boxWidth: 12, filter: (item) => !item.text.startsWith('·') } },
          tooltip: { callbacks: { label: (c) => `${c.dataset.label?.replace(/^·/, '')}: layer ${c.parsed.x}: ${c.parsed.y!.toExponential(3)}` } },
        },
      },
    });
    this.dead = new Chart(deadCanvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, parsing: false,
        scales: axes({ type: 'linear', min: 0, max: 1, title: { display: true, text: 'dead units' }, ticks: { callback: (v: string | number) => `${Math.round(Number(v) * 100)}%` } }),
        plugins: { legend: { display: false } },
      },
    });
    heatmap.addEventListener('mousemove', (e) => this.hover(e));
  }

  reset(): void {
    this.probes.length = 0;
    this.compare = undefined;
    this.section.hidden = true;
    // the chart and its tally describe what is drawn now, never the previous run's profile
    this.chart.data.datasets = [];
    this.chart.update('none');
    this.chart.canvas.dataset.points = '0';
  }

  add(e: GradientsEvent): void {
    this.probes.push(e);
    this.section.hidden = false;
  }

  setCompare(name: string, probe: GradientsEvent | undefined): void {
    this.compare = probe && { name, probe };
    if (probe) this.section.hidden = false;
  }

  get points(): number {
    return this.chart.data.datasets.reduce((n, d) => n + d.data.length, 0);
  }

  redraw(): void {
    if (!this.probes.length && !this.compare) return;
    const { fg, grid } = axisColors();
    const blue = css('--vscode-charts-blue');
    const orange = css('--vscode-charts-orange');
    const recent = this.probes.slice(-shownSteps);
    // fit the y range to the last few profiles: all-time scaling hides what the net does now
    const latest = [...recent.slice(-3), ...(this.compare ? [this.compare.probe] : [])].flatMap((p) => p.layers.map((l) => l.weightNorm)).filter((v) => v > 0);
    const y = this.chart.options.scales!.y!;
    const floor = latest.length ? 10 ** (Math.floor(Math.log10(Math.min(...latest))) - 1) : 1e-12;
    y.min = floor;
    y.max = latest.length ? 10 ** Math.ceil(Math.log10(Math.max(...latest))) : 1;
    // exact zeros (dead units) cannot sit on a log axis: draw them on its floor, marked, and say so
    const line = (p: GradientsEvent, label: string, color: string, alpha: number, width: number) => {
      const zeros = p.layers.filter((l) => l.weightNorm === 0).length;
      return {
        label: zeros ? `${label} — ${zeros} layer${zeros === 1 ? '' : 's'} with exactly 0 (dead units), on the floor` : label,
        data: p.layers.map((l) => ({ x: l.index, y: l.weightNorm > 0 ? l.weightNorm : floor })),
        pointStyle: p.layers.map((l) => (l.weightNorm > 0 ? 'circle' : 'crossRot')),
        borderColor: withAlpha(color, alpha), backgroundColor: withAlpha(color, alpha), borderWidth: width, pointRadius: width > 1 ? 3 : 0, tension: 0,
      };
    };
    const datasets = recent.map((p, i) => line(p, i === recent.length - 1 ? `step ${p.step}` : `·step ${p.step}`, blue, 0.15 + (0.85 * (i + 1)) / recent.length, i === recent.length - 1 ? 2 : 1));
    if (this.compare) datasets.push(line(this.compare.probe, `${this.compare.name} (step ${this.compare.probe.step})`, orange, 1, 2));
    this.chart.data.datasets = datasets;
    for (const c of [this.chart, this.dead]) {
      for (const axis of Object.values(c.options.scales ?? {})) {
        if (!axis) continue;
        axis.grid = { ...axis.grid, color: grid };
        axis.ticks = { ...axis.ticks, color: fg };
        if ('title' in axis && axis.title) axis.title.color = fg;
      }
    }
    if (this.chart.options.plugins?.legend?.labels) this.chart.options.plugins.legend.labels.color = fg;
    const last = this.probes.at(-1);
    const deadSets = [last, this.compare?.probe].filter((p): p is GradientsEvent => !!p && p.layers.some((l) => l.deadFraction !== undefined));
    this.dead.data.datasets = deadSets.map((p, i) => ({ label: String(p.step), data: p.layers.filter((l) => l.deadFraction !== undefined).map((l) => ({ x: l.index, y: l.deadFraction! })), borderColor: i ? orange : blue, backgroundColor: i ? orange : blue, pointRadius: 2, borderWidth: 1.5 }));
    (this.dead.canvas.parentElement!.parentElement as HTMLElement).hidden = !deadSets.length;
    this.chart.update('none');
    this.dead.update('none');
    this.chart.canvas.dataset.points = String(this.points);
    this.drawHeatmap();
  }

  /** Layers down, recorded steps across; colour = log10 ‖∇W‖ between the smallest and largest seen. */
  private drawHeatmap(): void {
    const c = this.heatmap;
    const ctx = c.getContext('2d')!;
    const probes = this.probes;
    c.width = c.clientWidth * devicePixelRatio;
    c.height = c.clientHeight * devicePixelRatio;
    ctx.clearRect(0, 0, c.width, c.height);
    if (!probes.length) return;
    const layers = probes[0].layers.length;
    const logs = probes.flatMap((p) => p.layers.map((l) => (l.weightNorm > 0 ? Math.log10(l.weightNorm) : NaN))).filter(Number.isFinite);
    if (!logs.length) {
      this.readout.textContent = 'Every recorded gradient is exactly 0: all units are dead.';
      return;
    }
    const [lo, hi] = [Math.min(...logs), Math.max(...logs)];
    const m = this.margins();
    const w = (c.width - m.left) / probes.length;
    const h = (c.height - m.bottom) / layers;
    const blue = css('--vscode-charts-blue');
    probes.forEach((p, i) => p.layers.forEach((l, j) => {
      const v = l.weightNorm > 0 ? (Math.log10(l.weightNorm) - lo) / Math.max(1e-9, hi - lo) : 0;
      ctx.fillStyle = withAlpha(blue, 0.05 + 0.95 * v);
      ctx.fillRect(m.left + i * w, j * h, Math.ceil(w), Math.ceil(h));
    }));
    // axes: layers down the left (first and last), recorded steps along the bottom (first and last)
    ctx.fillStyle = css('--vscode-foreground');
    ctx.font = `${11 * devicePixelRatio}px ${css('--vscode-font-family') || 'sans-serif'}`;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    ctx.fillText(`layer ${probes[0].layers[0].index}`, m.left - 4 * devicePixelRatio, h / 2);
    ctx.fillText(`layer ${probes[0].layers[layers - 1].index}`, m.left - 4 * devicePixelRatio, (layers - 0.5) * h);
    ctx.textBaseline = 'bottom';
    ctx.textAlign = 'left';
    ctx.fillText(`step ${probes[0].step}`, m.left, c.height);
    ctx.textAlign = 'right';
    ctx.fillText(`step ${probes.at(-1)!.step} →`, c.width, c.height);
    c.dataset.range = `${lo.toFixed(1)}..${hi.toFixed(1)}`;
  }

  /** Room for the axis labels, in canvas pixels. */
  private margins(): { left: number; bottom: number } {
    return { left: 56 * devicePixelRatio, bottom: 16 * devicePixelRatio };
  }

  private hover(e: MouseEvent): void {
    if (!this.probes.length) return;
    const rect = this.heatmap.getBoundingClientRect();
    const m = this.margins();
    const [left, bottom] = [m.left / devicePixelRatio, m.bottom / devicePixelRatio];
    const i = Math.floor(((e.clientX - rect.left - left) / (rect.width - left)) * this.probes.length);
    const p = this.probes[Math.min(this.probes.length - 1, Math.max(0, i))];
    const j = Math.floor(((e.clientY - rect.top) / (rect.height - bottom)) * p.layers.length);
    const l = p.layers[Math.min(p.layers.length - 1, Math.max(0, j))];
    this.readout.textContent = `step ${p.step}, layer ${l.index} (${l.name}, ${l.activation}): ‖∇W‖ ${l.weightNorm.toExponential(3)}, mean |∇W| ${l.weightMeanAbs.toExponential(3)}, ‖∇b‖ ${l.biasNorm.toExponential(3)}${l.deadFraction === undefined ? '' : `, dead ${(100 * l.deadFraction).toFixed(0)}%`}`;
  }
}

/** A theme colour (hex or rgb) with an alpha. */
function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})/i.exec(color);
  if (hex) {
    const n = parseInt(hex[1], 16);
    return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }
  const rgb = /rgba?\(([^)]+)\)/.exec(color);
  if (rgb) {
    const [r, g, b] = rgb[1].split(',').map((x) => x.trim());
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  return color;
}
