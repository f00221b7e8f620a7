// A dataset as every loader returns it and everything downstream reads it: three splits of images with labels
// (bytes, or floats for cached features), the image shape and the class names.

export interface Split {
  /** count × height × width × channels, row-major: bytes 0..255, or floats used as they are (cached features). */
  images: Uint8Array | Float32Array;
  labels: Uint8Array;
  count: number;
  /** Per-image loss weights (pseudo-labelled images weigh less); absent = all 1. */
  weights?: Float32Array;
  /** Image folders: each image's path relative to the folder (for reports and predictions.csv). */
  files?: string[];
}

export interface Dataset {
  description: string;
  height: number;
  width: number;
  /** 1 (grey; the default) or 3 (RGB). */
  channels?: number;
  classNames: string[];
  /** Problems that did not stop loading (e.g. unreadable images skipped). */
  warnings?: string[];
  train: Split;
  validation: Split;
  test: Split;
}
