// The native engine in a real VS Code: a linux-x64 .vsix carrying the addon (staged as `npm run package` makes it),
// installed into a fresh code-server whose setting gradientLab.tensorflowPath names pip's TensorFlow; training
// the default experiment runs on it end to end and the status bar says so. Screenshot: native-engine-trained.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { distDir, packageRoot } from '../../src/paths';
import { nativeEnv, venvTensorFlow } from '../helpers/nativeEngine';
import { openVsCode, panelFrame, runCommand, screenshotsDir } from './codeServer';
import { seenChart, waitSeen } from './seen';

/** The package tree in a temporary folder (dist's bundles + the native engine), packaged with --target linux-x64. */
function nativeVsix(): string {
  const stage = mkdtempSync(join(tmpdir(), 'gl-native-vsix-'));
  for (const f of ['package.json', 'README.md', 'LICENSE', '.vscodeignore']) copyFileSync(join(packageRoot(), f), join(stage, f));
  for (const d of ['schema', 'media', 'examples']) cpSync(join(packageRoot(), d), join(stage, d), { recursive: true });
  for (const d of ['backend.js', 'gradcheckWorker.js', 'extension.js', 'webview', 'wasm', 'data']) cpSync(join(distDir(), d), join(stage, 'dist', d), { recursive: true });
  execFileSync(process.execPath, [join(packageRoot(), 'esbuild.mjs'), `--native-into=${join(stage, 'dist')}`], { cwd: packageRoot(), stdio: 'pipe' });
  const out = join(stage, 'gradient-lab-linux-x64.vsix');
  execFileSync(join(packageRoot(), 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--target', 'linux-x64', '--out', out], { cwd: stage, stdio: 'pipe', timeout: 300_000 });
  return out;
}

test('native engine in VS Code: the linux-x64 .vsix on pip\'s TensorFlow trains the default experiment; the status bar shows cpu · TF', { timeout: 900_000 }, async (t) => {
  if (!nativeEnv(t)) return;
  const workspace = mkdtempSync(join(tmpdir(), 'gl-native-ws-'));
  copyFileSync(join(packageRoot(), 'examples', 'digits-cnn.experiment.json'), join(workspace, 'digits-cnn.experiment.json'));
  const vscode = await openVsCode({ workspace, vsix: nativeVsix(), machineSettings: { 'gradientLab.tensorflowPath': dirname(venvTensorFlow()!) } });
  const { page } = vscode;
  try {
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill('digits-cnn.experiment.json');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'digits-cnn.experiment.json' }).first().click();
    await page.locator('.tab.active', { hasText: 'digits-cnn.experiment.json' }).waitFor();
    await runCommand(page, 'Gradient Lab: Train Experiment…');
    const status = page.locator('.statusbar-item', { hasText: /cpu · TF 2\.\d+/ });
    await waitSeen(status, 'the status bar naming the native engine and its TensorFlow');
    const panel = panelFrame(page);
    await panel.locator('#test-accuracy', { hasText: '%' }).waitFor({ timeout: 600_000 });
    const accuracy = Number((await panel.locator('#test-accuracy').textContent())!.replace('%', ''));
    assert.ok(accuracy >= 96, `test accuracy shown: ${accuracy}%`);
    assert.match((await panel.locator('#engine').textContent())!, /engine cpu/);
    assert.ok((await seenChart(panel, 'loss-chart')).points > 300, 'the loss curve drawn');
    mkdirSync(screenshotsDir, { recursive: true });
    await page.screenshot({ path: join(screenshotsDir, 'native-engine-trained.png') });
  } catch (e) {
    await page.screenshot({ path: join(screenshotsDir, 'native-engine-failure.png') }).catch(() => undefined);
    throw e;
  } finally {
    await vscode.stop();
  }
});
