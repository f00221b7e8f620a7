import { renameSync, writeFileSync } from 'node:fs';

/** Write under a temporary name, then rename: readers see the old file or the new one, never half of one. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}
