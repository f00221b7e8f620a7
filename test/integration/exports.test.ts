// Exports of a real run: the TensorBoard event file read back by an independent reader (its own CRC32C, record
// framing and protobuf decoding), and the CSV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEvents } from '../../src/runs/runFolder';
import { runCli } from '../helpers/backendProcess';
import { tempDir, writeExperiment } from '../helpers/fixtures';

/** CRC32C, bit by bit: written independently of the exporter's table-driven one. */
function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}
const masked = (b: Uint8Array) => {
  const c = crc32cBitwise(b);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
};

function readVarint(b: Uint8Array, at: number): [number, number] {
  let v = 0;
  let shift = 0;
  for (;;) {
    const byte = b[at++];
    v += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(byte & 0x80)) return [v, at];
  }
}

/** Protobuf fields of one message: [field, wire type, value or bytes]. */
function fields(b: Uint8Array): [number, number, number | Uint8Array][] {
  const out: [number, number, number | Uint8Array][] = [];
  let at = 0;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  while (at < b.length) {
    let key;
    [key, at] = readVarint(b, at);
    const [field, wire] = [key >>> 3, key & 7];
    if (wire === 0) { let v; [v, at] = readVarint(b, at); out.push([field, wire, v]); }
    else if (wire === 1) { out.push([field, wire, view.getFloat64(at, true)]); at += 8; }
    else if (wire === 5) { out.push([field, wire, view.getFloat32(at, true)]); at += 4; }
    else if (wire === 2) { let len; [len, at] = readVarint(b, at); out.push([field, wire, b.subarray(at, at + len)]); at += len; }
    else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}

test('a finished run has a TensorBoard event file that an independent reader parses, and a CSV', () => {
  assert.equal(crc32cBitwise(Buffer.from('123456789')), 0xe3069283, 'the reader\'s CRC32C matches the standard check value');
  const dir = tempDir();
  const r = runCli(['train', writeExperiment(dir, {
    name: 'export', data: { source: 'embedded-digits', trainLimit: 320, validationLimit: 64, testLimit: 64 },
    model: { kind: 'mlp', dense: [16] }, optimizer: { name: 'adam', learningRate: 0.01 }, training: { epochs: 2, batchSize: 32 },
  })], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const runs = join(dir, '.gradient-lab', 'runs');
  const folder = join(runs, readdirSync(runs)[0]);
  const [eventsFile] = readdirSync(folder).filter((f) => f.startsWith('events.out.tfevents.'));
  assert.ok(eventsFile, 'written at the end of the run');
  const bytes = readFileSync(join(folder, eventsFile));
  const scalars = new Map<string, [number, number][]>();
  let records = 0;
  for (let at = 0; at < bytes.length; records++) {
    const lenBytes = bytes.subarray(at, at + 8);
    const len = Number(bytes.readBigUInt64LE(at));
    assert.equal(bytes.readUInt32LE(at + 8), masked(lenBytes), `record ${records}: length CRC`);
    const data = bytes.subarray(at + 12, at + 12 + len);
    assert.equal(bytes.readUInt32LE(at + 12 + len), masked(data), `record ${records}: data CRC`);
    at += 16 + len;
    const event = fields(data);
    if (records === 0) {
      assert.equal(Buffer.from(event.find(([f]) => f === 3)![2] as Uint8Array).toString(), 'brain.Event:2');
      continue;
    }
    const step = event.find(([f]) => f === 2)![2] as number;
    const summary = event.find(([f]) => f === 5)![2] as Uint8Array;
    for (const [, , value] of fields(summary)) {
      const v = fields(value as Uint8Array);
      const tag = Buffer.from(v.find(([f]) => f === 1)![2] as Uint8Array).toString();
      scalars.set(tag, [...(scalars.get(tag) ?? []), [step, v.find(([f]) => f === 2)![2] as number]]);
    }
  }
  assert.equal(scalars.get('train/loss')!.length, 20);
  assert.deepEqual(scalars.get('train/loss')!.map(([s]) => s), Array.from({ length: 20 }, (_, i) => i + 1));
  assert.equal(scalars.get('validation/accuracy')!.length, 2);
  const summary = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8'));
  assert.ok(Math.abs(scalars.get('test/accuracy')![0][1] - summary.testAccuracy) < 1e-6);

  const exported = runCli(['export', folder, '--csv']);
  assert.equal(exported.code, 0, exported.stderr);
  const csv = readFileSync(join(folder, 'metrics.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'step,epoch,loss,accuracy,step_ms,learning_rate,l2,val_loss,val_accuracy');
  assert.equal(csv.length, 1 + 20 + 2);
  // a row is the step's own numbers from metrics.jsonl
  const third = readEvents(folder).events.filter((e) => e.type === 'batch')[2] as { step: number; epoch: number; loss: number; accuracy: number };
  assert.deepEqual(csv[3].split(',').slice(0, 4).map(Number), [third.step, third.epoch, third.loss, third.accuracy]);
});
