// The bundles hold what each process needs and no more: TF.js (~5 MB, slow to load) only in the backend, never in
// the extension host or the derivation checker's thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { distDir } from '../../src/paths';

test('TF.js is bundled into the backend only: not the extension, not the checker thread', () => {
  const has = (bundle: string) => /@tensorflow\/tfjs-core|tfjs-core\/dist/.test(readFileSync(join(distDir(), bundle), 'utf8'));
  assert.equal(has('backend.js'), true, 'the check itself finds TF.js where it is');
  assert.equal(has('extension.js'), false);
  assert.equal(has('gradcheckWorker.js'), false);
  assert.ok(statSync(join(distDir(), 'gradcheckWorker.js')).size < 2 * 2 ** 20, 'the checker thread starts from a small bundle');
});
