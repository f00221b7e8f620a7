// PNG and JPEG in and out, in pure JavaScript (pngjs, jpeg-js): no native addon to install, the same on every
// machine. Images are handled as interleaved RGB bytes.
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

export interface RgbImage {
  width: number;
  height: number;
  /** width × height × 3 bytes, row-major. */
  rgb: Uint8Array;
}

export function isImageFile(name: string): boolean {
  return /\.(png|jpe?g)$/i.test(name);
}

/** The most pixels one image may have (4096 × 4096): a header may claim anything, decoding it must not exhaust memory. */
export const maxImagePixels = 4096 * 4096;

/** Width and height from a PNG's IHDR or a JPEG's start-of-frame, without decoding; undefined when not found. */
export function imageHeaderSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes.length >= 24) return { width: view.getUint32(16), height: view.getUint32(20) };
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  for (let at = 2; at + 9 < bytes.length;) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1];
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) return { height: view.getUint16(at + 5), width: view.getUint16(at + 7) };
    at += 2 + view.getUint16(at + 2);
  }
  return undefined;
}

/** Decode by content, not by extension (a .jpg that is really a PNG still loads); alpha is dropped, grey expanded. */
export function decodeImage(bytes: Uint8Array): RgbImage {
  let width: number;
  let height: number;
  let rgba: Uint8Array;
  const claimed = imageHeaderSize(bytes);
  if (claimed && claimed.width * claimed.height > maxImagePixels) {
    throw new Error(`${claimed.width}×${claimed.height} pixels, more than the ${maxImagePixels.toLocaleString('en')} (4096×4096) an image may have here: scale it down`);
  }
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    ({ width, height } = png);
    rgba = png.data;
  } else if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 256, maxResolutionInMP: maxImagePixels / 1e6 });
    ({ width, height } = img);
    rgba = img.data;
  } else {
    throw new Error('not a PNG or JPEG file');
  }
  if (!width || !height) throw new Error('the image is empty');
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgb[i] = rgba[j];
    rgb[i + 1] = rgba[j + 1];
    rgb[i + 2] = rgba[j + 2];
  }
  return { width, height, rgb };
}

/** Bilinear resize with pixel centres aligned (as tf.image.resizeBilinear with halfPixelCenters). */
export function resizeRgb(img: RgbImage, height: number, width: number): Uint8Array {
  if (img.height === height && img.width === width) return img.rgb;
  const out = new Uint8Array(height * width * 3);
  const sy = img.height / height;
  const sx = img.width / width;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(img.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(img.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(img.width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(img.width - 1, x0 + 1);
      const wx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number) => img.rgb[(yy * img.width + xx) * 3 + c];
        const top = at(y0, x0) * (1 - wx) + at(y0, x1) * wx;
        const bottom = at(y1, x0) * (1 - wx) + at(y1, x1) * wx;
        out[(y * width + x) * 3 + c] = Math.round(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return out;
}

/** A PNG of `channels` (1 = grey, 3 = RGB) interleaved bytes. */
export function encodePng(pixels: Uint8Array, height: number, width: number, channels: 1 | 3): Buffer {
  const png = new PNG({ width, height, colorType: channels === 1 ? 0 : 2, inputColorType: channels === 1 ? 0 : 2, inputHasAlpha: false });
  png.data = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  return PNG.sync.write(png, { colorType: channels === 1 ? 0 : 2, inputColorType: channels === 1 ? 0 : 2, inputHasAlpha: false });
}
