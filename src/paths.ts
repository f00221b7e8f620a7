// Where the built files live. The backend runs from dist/backend.js; tests run from dist/test/**; both find
// dist/ by walking up to the folder that holds the wasm binaries the build copies there.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

export function distDir(): string {
  if (cached) return cached;
  for (let d = __dirname; ; d = dirname(d)) {
    if (existsSync(join(d, 'wasm', 'tfjs-backend-wasm-simd.wasm'))) return (cached = d);
    if (dirname(d) === d) throw new Error(`cannot find Gradient Lab's dist folder above ${__dirname}: run 'npm run build'`);
  }
}

/** The folder that holds package.json and node_modules of the installed backend. */
export function packageRoot(): string {
  return dirname(distDir());
}
