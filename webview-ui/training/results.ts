// The test results: a confusion-matrix heatmap with the counts in its cells, and the classification report.
// Everything is built with textContent: class names come from data files and are never parsed as HTML.
import type { TestResult } from '../../src/protocol/runEvents';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

export function renderConfusion(target: HTMLElement, test: TestResult, classNames: string[]): void {
  const table = el('table', undefined, 'confusion');
  const head = table.createTHead().insertRow();
  head.appendChild(el('th', 'true ↓ / predicted →', 'corner'));
  classNames.forEach((n) => head.appendChild(el('th', n)));
  const body = table.createTBody();
  test.confusion.forEach((row, t) => {
    const tr = body.insertRow();
    tr.appendChild(el('th', classNames[t]));
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, p) => {
      const td = el('td', String(count), t === p ? 'diagonal' : count ? 'mistake' : 'zero');
      // shade by the share of the true class, so rare classes read as clearly as common ones
      td.style.setProperty('--share', `${Math.round((100 * count) / total)}%`);
      td.title = `true ${classNames[t]}, predicted ${classNames[p]}: ${count} (${((100 * count) / total).toFixed(1)}% of ${classNames[t]})`;
      tr.appendChild(td);
    });
  });
  target.replaceChildren(table);
}

export function renderReport(target: HTMLElement, test: TestResult): void {
  const table = el('table', undefined, 'report');
  const head = table.createTHead().insertRow();
  ['class', 'precision', 'recall', 'F1', 'support'].forEach((h) => head.appendChild(el('th', h)));
  const body = table.createTBody();
  for (const c of test.perClass) {
    const tr = body.insertRow();
    tr.appendChild(el('th', c.name));
    [c.precision, c.recall, c.f1].forEach((v) => tr.appendChild(el('td', v.toFixed(3))));
    tr.appendChild(el('td', String(c.support)));
  }
  const n = test.perClass.reduce((s, c) => s + c.support, 0);
  const macro = (k: 'precision' | 'recall' | 'f1') => test.perClass.reduce((s, c) => s + c[k], 0) / test.perClass.length;
  const avg = body.insertRow();
  avg.className = 'average';
  avg.appendChild(el('th', 'macro avg'));
  [macro('precision'), macro('recall'), macro('f1')].forEach((v) => avg.appendChild(el('td', v.toFixed(3))));
  avg.appendChild(el('td', String(n)));
  const acc = body.insertRow();
  acc.className = 'average';
  acc.appendChild(el('th', 'accuracy'));
  acc.appendChild(el('td', ''));
  acc.appendChild(el('td', ''));
  acc.appendChild(el('td', test.accuracy.toFixed(3)));
  acc.appendChild(el('td', String(n)));
  target.replaceChildren(table);
}
