// Atomic file replacement for run files.
import { renameSync, rmSync, writeFileSync } from 'node:fs';

/** Write under a temporary name, then rename: readers see the old file or the new one, never half of one. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true }); // a full disk leaves no .tmp file behind, and the old file stands
    throw e;
  }
}
