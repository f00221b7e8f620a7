// A metric against one setting's values: the mean per value joined by a line, ± one standard deviation drawn as
// error bars (a small chart.js plugin; chart.js has no error bars of its own).
import { CategoryScale, Chart, LinearScale, LineController, LineElement, type Plugin, PointElement, Tooltip } from 'chart.js';
import { axisColors, css } from '../common/theme';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Tooltip);

export interface ErrorBarPoint {
  label: string;
  mean: number;
  std: number;
  n: number;
}


const errorBars: Plugin<'line'> = {
  id: 'errorBars',
  afterDatasetsDraw(chart) {
    const points = (chart.data.datasets[0] as unknown as { errorBars?: ErrorBarPoint[] }).errorBars ?? [];
    const meta = chart.getDatasetMeta(0);
    const y = chart.scales.y;
    const ctx = chart.ctx;
    ctx.save();
    ctx.strokeStyle = String(chart.data.datasets[0].borderColor);
    ctx.lineWidth = 1.5;
    points.forEach((p, i) => {
      const el = meta.data[i];
      if (!el || p.n < 2) return;
      const top = y.getPixelForValue(p.mean + p.std);
      const bottom = y.getPixelForValue(p.mean - p.std);
      ctx.beginPath();
      ctx.moveTo(el.x, top);
      ctx.lineTo(el.x, bottom);
      ctx.moveTo(el.x - 5, top);
      ctx.lineTo(el.x + 5, top);
      ctx.moveTo(el.x - 5, bottom);
      ctx.lineTo(el.x + 5, bottom);
      ctx.stroke();
    });
    ctx.restore();
  },
};

export class ErrorBarChart {
  private readonly chart: Chart<'line'>;

  constructor(readonly canvas: HTMLCanvasElement) {
    this.chart = new Chart(canvas, {
      type: 'line',
      data: { labels: [], datasets: [{ label: '', data: [], pointRadius: 4, borderWidth: 2, tension: 0 }] },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        scales: { x: { type: 'category', title: { display: true, text: '' } }, y: { type: 'linear', title: { display: true, text: '' }, grace: '5%' } },
        plugins: { legend: { display: false } },
      },
      plugins: [errorBars],
    });
  }

  set(points: ErrorBarPoint[], setting: string, metric: string, percent: boolean): void {
    const { fg, grid } = axisColors();
    const color = css('--vscode-charts-blue');
    const dataset = this.chart.data.datasets[0] as typeof this.chart.data.datasets[0] & { errorBars?: ErrorBarPoint[] };
    this.chart.data.labels = points.map((p) => p.label);
    dataset.data = points.map((p) => p.mean);
    dataset.errorBars = points;
    dataset.label = metric;
    dataset.borderColor = color;
    dataset.backgroundColor = color;
    const o = this.chart.options;
    // the bars must fit: the axis spans mean ± std
    const lo = Math.min(...points.map((p) => p.mean - p.std));
    const hi = Math.max(...points.map((p) => p.mean + p.std));
    const pad = (hi - lo) * 0.1 || Math.abs(hi) * 0.01 || 0.01;
    o.scales!.x = { type: 'category', offset: true, title: { display: true, text: setting, color: fg }, ticks: { color: fg }, grid: { color: grid } };
    o.scales!.y = {
      type: 'linear', min: lo - pad, max: hi + pad, title: { display: true, text: metric, color: fg }, grid: { color: grid },
      ticks: { color: fg, callback: (v) => (percent ? `${(Number(v) * 100).toFixed(1)}%` : Number(v).toPrecision(3)) },
    };
    o.plugins!.tooltip = { callbacks: { label: (c) => {
      const p = points[c.dataIndex];
      const f = (x: number) => (percent ? `${(100 * x).toFixed(2)}%` : x.toFixed(4));
      return `${f(p.mean)}${p.n > 1 ? ` ± ${f(p.std)} (n=${p.n})` : ''}`;
    } } };
    this.chart.update('none');
    this.canvas.dataset.points = String(points.length);
  }
}
