// Line charts with chart.js: decimation for long runs, no animation, theme colours read from VS Code's CSS
// variables (and re-read when the theme changes).
import {
  Chart, Decimation, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, Tooltip,
} from 'chart.js';
import { axisColors, css } from './theme';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Decimation, Legend, Tooltip);

export interface Point {
  x: number;
  y: number;
}

export interface Series {
  label: string;
  /** A VS Code theme colour variable, e.g. --vscode-charts-blue. */
  color: string;
  points: Point[];
  /** Epoch-level series are drawn as points joined by lines; step-level as a thin line. */
  perEpoch?: boolean;
  /** A dash pattern, to tell apart more series than there are theme colours. */
  dash?: number[];
}

/** A vertical line across the chart at step x, labelled (e.g. where a fine-tune's unfreeze phase begins). */
export interface Marker {
  x: number;
  label: string;
}


export class LineChart {
  readonly chart: Chart<'line', Point[]>;

  constructor(readonly canvas: HTMLCanvasElement, readonly series: Series[], options: { yLabel?: string; xLabel?: string; percent?: boolean; log?: boolean; markers?: Marker[] } = {}) {
    const markers = options.markers;
    this.chart = new Chart(canvas, {
      plugins: markers ? [{
        id: 'markers',
        afterDatasetsDraw(chart) {
          const { ctx, chartArea, scales } = chart;
          ctx.save();
          ctx.strokeStyle = css('--vscode-charts-red');
          ctx.fillStyle = css('--vscode-foreground');
          ctx.setLineDash([4, 3]);
          ctx.font = '11px sans-serif';
          for (const m of markers) {
            const x = scales.x.getPixelForValue(m.x);
            if (x < chartArea.left || x > chartArea.right) continue;
            ctx.beginPath();
            ctx.moveTo(x, chartArea.top);
            ctx.lineTo(x, chartArea.bottom);
            ctx.stroke();
            // the label on the side of the line with room for it
            const right = x + 4 + ctx.measureText(m.label).width <= chartArea.right;
            ctx.textAlign = right ? 'left' : 'right';
            ctx.fillText(m.label, right ? x + 4 : x - 4, chartArea.top + 12);
          }
          ctx.restore();
        },
      }] : [],
      type: 'line',
      data: { datasets: series.map((s) => ({ label: s.label, data: s.points, parsing: false, normalized: true, borderWidth: s.perEpoch ? 2 : 1, pointRadius: s.perEpoch ? 3 : 0, tension: 0, borderDash: s.dash, borderColor: css(s.color), backgroundColor: css(s.color), pointBackgroundColor: css(s.color), pointBorderColor: css(s.color) })) },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'nearest', intersect: false, axis: 'x' },
        scales: {
          x: { type: 'linear', title: { display: true, text: options.xLabel ?? 'step' }, ticks: { maxTicksLimit: 8, precision: 0 } },
          y: { type: options.log ? 'logarithmic' : 'linear', title: { display: !!options.yLabel, text: options.yLabel ?? '' }, ticks: options.percent ? { callback: (v) => `${+(Number(v) * 100).toFixed(1)}%` } : {} },
        },
        plugins: {
          decimation: { enabled: true, algorithm: 'lttb', samples: 600 },
          legend: { labels: { boxWidth: 12 } },
          tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${options.percent ? `${(c.parsed.y! * 100).toFixed(2)}%` : c.parsed.y!.toPrecision(4)}` } },
        },
      },
    });
    this.applyTheme();
  }

  applyTheme(): void {
    const { fg, grid } = axisColors();
    this.chart.data.datasets.forEach((d, i) => {
      const color = css(this.series[i].color);
      d.borderColor = color;
      d.backgroundColor = color;
      Object.assign(d, { pointBackgroundColor: color, pointBorderColor: color });
    });
    for (const axis of Object.values(this.chart.options.scales ?? {})) {
      if (!axis) continue;
      axis.grid = { ...axis.grid, color: grid };
      axis.ticks = { ...axis.ticks, color: fg };
      if ('title' in axis && axis.title) axis.title.color = fg;
    }
    if (this.chart.options.plugins?.legend?.labels) this.chart.options.plugins.legend.labels.color = fg;
    this.chart.update('none');
  }

  /** Called at most once per animation frame, after points were pushed into the series. */
  redraw(): void {
    this.chart.update('none');
    this.canvas.dataset.points = String(this.series.reduce((n, s) => n + s.points.length, 0));
  }
}

/** Each "PNG" link (a.png[data-chart=name]) hands its chart's canvas, drawn on the editor's background colour so
 *  it reads outside VS Code too, to `save` as a PNG data URL. */
export function onPngLinks(save: (name: string, dataUrl: string) => void): void {
  document.querySelectorAll<HTMLAnchorElement>('a.png').forEach((a) => a.addEventListener('click', (e) => {
    e.preventDefault();
    const source = document.getElementById(`${a.dataset.chart}-chart`) as HTMLCanvasElement;
    const canvas = document.createElement('canvas');
    canvas.width = source.width;
    canvas.height = source.height;
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = getComputedStyle(document.body).getPropertyValue('--vscode-editor-background') || '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(source, 0, 0);
    save(a.dataset.chart!, canvas.toDataURL('image/png'));
  }));
}
