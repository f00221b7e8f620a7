// A run's metrics for other tools: a CSV table, and a TensorBoard event file (records framed with masked CRC32C,
// Event / Summary protobufs written by hand) so `tensorboard --logdir .gradient-lab/runs` shows every run.
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { RunEvent } from '../../protocol/runEvents';
import { readEvents } from '../../runs/runFolder';

// ── CRC32C (Castagnoli), as TFRecord framing requires ─────────────────────────────────────────────────────
const table = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function maskedCrc(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

// ── protobuf, the few fields an Event with scalar summaries needs ─────────────────────────────────────────
function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}

function lengthDelimited(field: number, bytes: Uint8Array | number[]): number[] {
  return [(field << 3) | 2, ...varint(bytes.length), ...bytes];
}

function scalarValue(tag: string, value: number): number[] {
  const f = Buffer.alloc(4);
  f.writeFloatLE(value);
  return lengthDelimited(1, [...lengthDelimited(1, Buffer.from(tag, 'utf8')), (2 << 3) | 5, ...f]); // Summary.value { tag, simple_value }
}

function event(wallTime: number, step: number, body: number[]): Uint8Array {
  const t = Buffer.alloc(8);
  t.writeDoubleLE(wallTime);
  return Uint8Array.from([(1 << 3) | 1, ...t, (2 << 3) | 0, ...varint(step), ...body]);
}

function record(data: Uint8Array): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(data.length));
  const crcs = Buffer.alloc(8);
  crcs.writeUInt32LE(maskedCrc(len), 0);
  crcs.writeUInt32LE(maskedCrc(data), 4);
  return Buffer.concat([len, crcs.subarray(0, 4), data, crcs.subarray(4)]);
}

/** The scalars of a run: per step (train), per epoch (validation), at the end (test). An edited or damaged line's
 *  fields that are not numbers are left out rather than written as garbage. */
export function scalars(events: RunEvent[]): { step: number; tag: string; value: number }[] {
  const out: { step: number; tag: string; value: number }[] = [];
  let step = 0;
  const add = (tag: string, value: unknown) => typeof value === 'number' && out.push({ step, tag, value });
  for (const e of events) {
    if (e.type === 'batch' && Number.isSafeInteger(e.step) && e.step >= 0) {
      step = e.step;
      add('train/loss', e.loss);
      add('train/accuracy', e.accuracy);
      add('train/step_ms', e.stepMs);
      add('train/l2', e.l2);
    } else if (e.type === 'epoch') {
      add('validation/loss', e.valLoss);
      add('validation/accuracy', e.valAccuracy);
    } else if (e.type === 'finished' && typeof e.test === 'object' && e.test) {
      add('test/loss', e.test.loss);
      add('test/accuracy', e.test.accuracy);
    }
  }
  return out;
}

export function writeTensorBoard(folder: string): string {
  const { events } = readEvents(folder);
  const started = events.find((e) => e.type === 'started');
  const at = started?.type === 'started' ? Date.parse(String(started.time)) / 1000 : NaN;
  const t0 = Number.isFinite(at) ? at : Date.now() / 1000;
  const file = join(folder, `events.out.tfevents.${Math.floor(t0)}.${hostname()}`);
  const parts = [record(event(t0, 0, lengthDelimited(3, Buffer.from('brain.Event:2'))))];
  // one Event per step, holding every scalar of that step
  const byStep = new Map<number, number[]>();
  for (const s of scalars(events)) byStep.set(s.step, [...(byStep.get(s.step) ?? []), ...scalarValue(s.tag, s.value)]);
  for (const [step, values] of byStep) parts.push(record(event(t0 + step / 1000, step, lengthDelimited(5, values))));
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

export function writeCsv(folder: string): string {
  const { events } = readEvents(folder);
  const rows = ['step,epoch,loss,accuracy,step_ms,learning_rate,l2,val_loss,val_accuracy'];
  for (const e of events) {
    if (e.type === 'batch') rows.push([e.step, e.epoch, e.loss, e.accuracy, typeof e.stepMs === 'number' ? e.stepMs.toFixed(3) : '', e.learningRate, e.l2, '', ''].map(csvNumber).join(','));
    if (e.type === 'epoch' && e.valLoss !== undefined) rows.push(['', e.epoch, '', '', '', '', '', e.valLoss, e.valAccuracy ?? ''].map(csvNumber).join(','));
  }
  const file = join(folder, 'metrics.csv');
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

/** A number column's field: a damaged line's non-number becomes empty, never an injected cell. */
const csvNumber = (v: unknown) => (typeof v === 'number' || (typeof v === 'string' && /^[\d.]*$/.test(v)) ? String(v) : '');

/** A CSV field, quoted when it holds a comma, quote or line break (RFC 4180). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export interface ImagePredictions {
  files: string[];
  labels: ArrayLike<number>;
  probabilities: Float32Array;
  classNames: string[];
}

/** The test set's predictions. Numbered images: a Kaggle-style submission, `ImageId,Label` with ids from 1 in
 *  test-set order. Image files: file, true and predicted class, and every class's probability. */
export function writePredictionsCsv(folder: string, predicted: ArrayLike<number>, images?: ImagePredictions): string {
  const rows: string[] = [];
  if (images) {
    const k = images.classNames.length;
    rows.push(['file', 'true', 'predicted', ...images.classNames.map((c) => `p(${c})`)].map(csvField).join(','));
    for (let i = 0; i < predicted.length; i++) {
      const probs = Array.from(images.probabilities.subarray(i * k, (i + 1) * k), (p) => p.toFixed(6));
      rows.push([csvField(images.files[i]), csvField(images.classNames[images.labels[i]]), csvField(images.classNames[predicted[i]]), ...probs].join(','));
    }
  } else {
    rows.push('ImageId,Label');
    for (let i = 0; i < predicted.length; i++) rows.push(`${i + 1},${predicted[i]}`);
  }
  const file = join(folder, 'predictions.csv');
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}
