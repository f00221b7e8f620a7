// Training-time augmentation on a real digit: each transform checked against its definition, with the random
// draws fixed so the expected image can be computed independently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { augmentedCopy } from '../../src/backend/data/batches';
import { loadDataset } from '../../src/backend/data/datasets';

/** A generator that returns the given values in turn. */
const draws = (...values: number[]) => () => {
  const v = values.shift();
  if (v === undefined) throw new Error('more random draws than expected');
  return v;
};

async function digit(): Promise<Uint8Array> {
  const data = await loadDataset({ source: 'embedded-digits', trainLimit: 1, validationLimit: 1, testLimit: 1 });
  return (data.train.images as Uint8Array).slice(0, 28 * 28);
}
const shape = { height: 28, width: 28 };
const at = (img: Uint8Array, y: number, x: number) => (y < 0 || y >= 28 || x < 0 || x >= 28 ? 0 : img[y * 28 + x]);

test('shift moves the image by the drawn offsets (zeros fill in); flip mirrors it', async () => {
  const img = await digit();
  // shift 2: draws 0.9 → dy = floor(0.9·5) − 2 = 2, 0.1 → dx = −2; flip draw 0.7 → no flip
  const shifted = augmentedCopy(img, shape, { shift: 2, flip: true, random: draws(0.9, 0.1, 0.7) });
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) assert.equal(shifted[y * 28 + x], at(img, y - 2, x + 2), `(${y}, ${x})`);
  const flipped = augmentedCopy(img, shape, { flip: true, random: draws(0.2) });
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) assert.equal(flipped[y * 28 + x], img[y * 28 + 27 - x]);
});

test('crop takes a box at the drawn place and scales it back to full size; brightness scales and caps at white', async () => {
  const img = await digit();
  // crop 0.5: draws 1 → a 14×14 box (28·(1 − 0.5)), at y0 = floor(0.5·15) = 7, x0 = floor(0·15) = 0
  const zoomed = augmentedCopy(img, shape, { crop: 0.5, random: draws(1, 1, 0.5, 0) });
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) assert.equal(zoomed[y * 28 + x], img[(7 + Math.floor(y / 2)) * 28 + Math.floor(x / 2)]);
  // brightness 0.5: draw 1 → factor 1.5
  const brighter = augmentedCopy(img, shape, { brightness: 0.5, random: draws(1) });
  for (let p = 0; p < 28 * 28; p++) assert.ok(Math.abs(brighter[p] - Math.min(255, img[p] * 1.5)) <= 0.5, `pixel ${p}`);
  assert.ok(brighter.some((v, p) => v === 255 && img[p] < 255), 'bright strokes are capped at white');
});
