// What every panel's script starts with: its typed line to the host (acquireVsCodeApi, once per page), an element
// by id, and numbers as the panels print them.

/** The host's end of the page: messages typed as the panel's protocol declares them. */
export function hostApi<ToHost>(): { postMessage(m: ToHost): void } {
  return (globalThis as unknown as { acquireVsCodeApi(): { postMessage(m: ToHost): void } }).acquireVsCodeApi();
}

export const $ = (id: string): HTMLElement => document.getElementById(id)!;

/** 0.9712 → "97.12%"; undefined → "–". */
export const percent = (x: number | undefined, digits = 2): string => (x === undefined ? '–' : `${(100 * x).toFixed(digits)}%`);

/** A loss or another plain number, to a fixed number of decimals; undefined → "–". */
export const fixed = (x: number | undefined, digits = 4): string => (x === undefined ? '–' : x.toFixed(digits));
