// What a person sees, for the UI tests: an element that is displayed with a box of non-zero size inside the page,
// and a canvas with pixels actually drawn on it. A DOM attribute alone can be written while nothing shows.
import type { FrameLocator, Locator } from 'playwright-core';

/** The canvas as the page's script sees it (the test's own TypeScript has no DOM library). */
export interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
  toDataURL(): string;
}

/** Non-transparent pixels on a canvas (charts draw on a transparent background). 0 when it has no size. */
export async function canvasInk(canvas: Locator): Promise<number> {
  return canvas.evaluate((el) => {
    const c = el as unknown as PageCanvas;
    if (!c.width || !c.height) return 0;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
    return n;
  });
}

/** Poll `read` until `ok` holds, or fail naming `what` after `ms`: a wait that cannot hang. */
export async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  let error: unknown;
  while (Date.now() < deadline) {
    try {
      last = await read();
      if (ok(last)) return last;
    } catch (e) {
      error = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not within ${ms / 1000} s (last seen: ${JSON.stringify(last)}${error ? `; ${(error as Error).message}` : ''})`);
}

/**
 * Wait until `locator` is seen: visible (not hidden, not display:none), a box of non-zero width and height, scrolled
 * into the viewport; a canvas must also have drawn pixels. Returns the canvas's ink (0 for other elements).
 */
export async function waitSeen(locator: Locator, what: string, ms = 60_000): Promise<number> {
  await locator.waitFor({ state: 'visible', timeout: ms });
  // an element the workbench re-renders (a code lens) may be replaced while scrolling: find it again
  await until(() => locator.scrollIntoViewIfNeeded({ timeout: 5000 }).then(() => true), (ok) => ok, `${what} scrolls into view`, ms);
  const box = await until(() => locator.boundingBox(), (b) => !!b && b.width > 0 && b.height > 0, `${what} has a non-zero box`, ms);
  const isCanvas = await locator.evaluate((el) => (el as { tagName: string }).tagName === 'CANVAS');
  if (!isCanvas) return 0;
  return until(() => canvasInk(locator), (n) => n > 0, `${what} has pixels drawn (box ${box!.width}×${box!.height})`, ms);
}

/** The training panel's chart `id`, seen, with its drawn-point count (the chart's own tally). */
export async function seenChart(panel: FrameLocator, id: string, ms = 60_000): Promise<{ points: number; ink: number }> {
  await waitSeen(panel.locator('#charts'), '#charts', ms);
  const canvas = panel.locator(`#${id}`);
  const ink = await waitSeen(canvas, `#${id}`, ms);
  return { points: Number(await canvas.getAttribute('data-points')), ink };
}
