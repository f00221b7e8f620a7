// IDX files (the MNIST / Fashion-MNIST / EMNIST format), raw or gzipped, checked field by field so that a bad
// file is reported exactly: which file, which field, what was expected and what was found.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';

export class DataError extends Error {}

export interface IdxArray {
  file: string;
  dims: number[];
  data: Uint8Array;
}

const typeNames: Record<number, string> = { 0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };

export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  const name = basename(file);
  if (bytes.length < 4) throw new DataError(`${name}: ${bytes.length} bytes is too short for an IDX header (4 bytes of magic number, then the dimensions)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DataError(`${name}: not an IDX file: it starts with bytes ${hex}, but an IDX file starts with two zero bytes, a type byte and the number of dimensions`);
  }
  const type = bytes[2];
  if (type !== 0x08) {
    const what = typeNames[type] ? `${typeNames[type]} (0x${type.toString(16).padStart(2, '0')})` : `an unknown type code 0x${type.toString(16).padStart(2, '0')}`;
    throw new DataError(`${name}: its elements are ${what}; Gradient Lab reads unsigned-byte IDX files (type 0x08), as MNIST and Fashion-MNIST are`);
  }
  const rank = bytes[3];
  if (rank < 1 || rank > 4) throw new DataError(`${name}: the header declares ${rank} dimensions; expected 1 (labels) or 3 (images)`);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw new DataError(`${name}: truncated inside the header: ${rank} dimensions need ${headerBytes} header bytes, the file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  const shape = dims.map((d) => d.toLocaleString('en-US')).join(' × ');
  if (actual < expected) {
    throw new DataError(`${name}: truncated: the header declares ${shape} = ${expected.toLocaleString('en-US')} bytes of data, but only ${actual.toLocaleString('en-US')} follow`);
  }
  if (actual > expected) {
    throw new DataError(`${name}: ${(actual - expected).toLocaleString('en-US')} unexpected bytes after the ${shape} elements the header declares`);
  }
  return { file, dims, data: bytes.subarray(headerBytes) };
}

/** Read an IDX file; gzip is recognised by its magic bytes, whatever the file is called. */
export function readIdxFile(file: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new DataError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      const msg = (e as Error).message;
      const why = /unexpected end/i.test(msg) ? 'the gzip stream is truncated (the download or copy was cut short)' : `it is not valid gzip (${msg})`;
      throw new DataError(`${basename(file)}: ${why}`);
    }
  }
  return parseIdx(bytes, file);
}

/** Images (rank 3: count × height × width) and labels (rank 1) that belong together. */
export function checkImagesAndLabels(images: IdxArray, labels: IdxArray): { count: number; height: number; width: number } {
  const imgName = basename(images.file);
  const lblName = basename(labels.file);
  if (images.dims.length !== 3) throw new DataError(`${imgName}: expected images of rank 3 (count × height × width), the header declares rank ${images.dims.length}`);
  if (labels.dims.length !== 1) throw new DataError(`${lblName}: expected labels of rank 1 (count), the header declares rank ${labels.dims.length}`);
  const [count, height, width] = images.dims;
  if (labels.dims[0] !== count) {
    throw new DataError(`labels/images count mismatch: ${imgName} holds ${count.toLocaleString('en-US')} images but ${lblName} holds ${labels.dims[0].toLocaleString('en-US')} labels`);
  }
  if (!count) throw new DataError(`${imgName}: the header declares 0 images`);
  if (!height || !width) throw new DataError(`${imgName}: the header declares images of ${height}×${width} pixels`);
  return { count, height, width };
}
