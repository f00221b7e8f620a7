// The picture an optimizer claim's hover shows: the student's rule and the reference method run from the same start
// on a 2-D test function, drawn over its contours (bands of log f) — where two rules part is easier seen than read.
// Plain SVG with fixed colours of middling lightness and some transparency, legible on light and dark themes alike
// (an image in a hover cannot read the theme's colours).
import type { TestProblem, Vec } from './optimizerReference';

export interface TrajectoryPicture {
  problem: TestProblem;
  /** The reference method's name. */
  method: string;
  /** θ_0 … θ_n of the student's rule and of the reference. */
  ours: Vec[];
  reference: Vec[];
}

const [W, H, pad] = [400, 270, 28];
const [cols, rows] = [60, 42];
const colours = { band: '55, 148, 255', reference: '#e8912d', ours: '#c586c0', text: '#8c8c8c' };

/** The SVG text: contour bands, both trajectories (reference solid, the rule dashed), the start, a legend. */
export function trajectorySvg(p: TrajectoryPicture): string {
  const finite = (v: Vec) => v.every(Number.isFinite);
  const ref = p.reference.filter(finite);
  const ours = p.ours.filter(finite);
  const box = boundsOf(ref, ours);
  const x = (v: number) => pad + ((v - box.x0) / (box.x1 - box.x0)) * (W - 2 * pad);
  const y = (v: number) => H - pad - ((v - box.y0) / (box.y1 - box.y0)) * (H - 2 * pad);
  const path = (pts: Vec[]) => pts.map((t) => `${x(t[0]).toFixed(1)},${y(t[1]).toFixed(1)}`).join(' ');
  // each step a dot: a zero-length stroke with round caps, a few bytes each
  const dots = (pts: Vec[], colour: string, r: number) => `<path d="${pts.map((t) => `M${x(t[0]).toFixed(1)} ${y(t[1]).toFixed(1)}h0`).join('')}" stroke="${colour}" stroke-width="${2 * r}" stroke-linecap="round"/>`;
  const start = p.reference[0];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<clipPath id="plot"><rect x="${pad}" y="${pad}" width="${W - 2 * pad}" height="${H - 2 * pad}"/></clipPath>`,
    bands(p.problem, box, x, y),
    '<g clip-path="url(#plot)">',
    `<rect x="${pad}" y="${pad}" width="${W - 2 * pad}" height="${H - 2 * pad}" fill="none" stroke="${colours.text}" stroke-width="0.5"/>`,
    `<polyline class="reference" points="${path(ref)}" fill="none" stroke="${colours.reference}" stroke-width="2"/>`,
    dots(ref, colours.reference, 2),
    `<polyline class="ours" points="${path(ours)}" fill="none" stroke="${colours.ours}" stroke-width="2" stroke-dasharray="5 3"/>`,
    dots(ours, colours.ours, 1.5),
    `<circle cx="${x(start[0]).toFixed(1)}" cy="${y(start[1]).toFixed(1)}" r="4" fill="none" stroke="${colours.text}" stroke-width="1.5"/>`,
    '</g>',
    `<text x="${pad}" y="16" fill="${colours.reference}">— ${escape(p.method)}</text>`,
    `<text x="${W - pad}" y="16" text-anchor="end" fill="${colours.ours}">- - your rule</text>`,
    `<text x="${pad}" y="${H - 9}" fill="${colours.text}">${escape(p.problem.name)}, ${p.reference.length - 1} steps from ○</text>`,
    '</svg>',
  ].join('');
}

/** Both paths with a margin; the rule's path counts only while it stays near the reference's (a diverging rule
 *  would shrink the reference to a dot). */
function boundsOf(ref: Vec[], ours: Vec[]) {
  const span = (pts: Vec[], k: number) => [Math.min(...pts.map((t) => t[k])), Math.max(...pts.map((t) => t[k]))];
  const [rx, ry] = [span(ref, 0), span(ref, 1)];
  const reach = Math.max(rx[1] - rx[0], ry[1] - ry[0], 1e-3) * 3;
  const near = ours.filter((t) => t[0] > rx[0] - reach && t[0] < rx[1] + reach && t[1] > ry[0] - reach && t[1] < ry[1] + reach);
  const [ax, ay] = [span([...ref, ...near], 0), span([...ref, ...near], 1)];
  const size = Math.max(ax[1] - ax[0], ay[1] - ay[0], 1e-3);
  const [cx, cy] = [(ax[0] + ax[1]) / 2, (ay[0] + ay[1]) / 2];
  // the plot's aspect, so that circles stay round and the contours keep their shape
  const [hx, hy] = [0.6 * size * Math.max(1, (W - 2 * pad) / (H - 2 * pad)), 0.6 * size * Math.max(1, (H - 2 * pad) / (W - 2 * pad))];
  return { x0: cx - hx, x1: cx + hx, y0: cy - hy, y1: cy + hy };
}

/** log(1 + f − min f) over the box, in ten bands of increasing opacity. */
function bands(problem: TestProblem, box: ReturnType<typeof boundsOf>, x: (v: number) => number, y: (v: number) => number): string {
  const values: number[] = [];
  const at = (i: number, j: number) => Float64Array.from([box.x0 + ((i + 0.5) / cols) * (box.x1 - box.x0), box.y0 + ((j + 0.5) / rows) * (box.y1 - box.y0)]);
  for (let j = 0; j < rows; j++) for (let i = 0; i < cols; i++) values.push(problem.f(at(i, j)));
  const low = Math.min(...values);
  const logs = values.map((v) => Math.log1p(v - low));
  const high = Math.max(...logs, 1e-12);
  // in cell units (row 0 at the bottom), one path per level, one short run per stretch of a row at that level: the
  // picture travels with every check of the file, so it is kept to a few kilobytes
  const level = (v: number) => Math.min(9, Math.floor((v / high) * 10));
  const paths: string[][] = Array.from({ length: 10 }, () => []);
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < cols;) {
      const l = level(logs[j * cols + i]);
      let end = i + 1;
      while (end < cols && level(logs[j * cols + end]) === l) end++;
      paths[l].push(`M${i} ${rows - 1 - j}h${end - i}v1h${i - end}z`);
      i = end;
    }
  }
  const [sx, sy] = [(x(box.x1) - x(box.x0)) / cols, (y(box.y0) - y(box.y1)) / rows];
  const drawn = paths.map((d, l) => (d.length ? `<path d="${d.join('')}" fill-opacity="${(0.04 + 0.045 * l).toFixed(2)}"/>` : '')).join('');
  return `<g fill="rgb(${colours.band})" shape-rendering="crispEdges" transform="translate(${x(box.x0).toFixed(2)} ${y(box.y1).toFixed(2)}) scale(${sx.toFixed(4)} ${sy.toFixed(4)})">${drawn}</g>`;
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&#39;');
