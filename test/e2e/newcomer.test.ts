// What a newcomer meets: the packaged .vsix installed with --install-extension into a fresh code-server (fresh
// extensions and user-data folders, workspace trust as VS Code ships it), an empty folder, the palette only.
// What is tested is what users install. Screenshots: test-artifacts/screenshots/{vsix-install-*,restricted-mode-train,
// runs-view-empty,derivation-failure-hover}.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { packageRoot } from '../../src/paths';
import { openVsCode, panelFrame, runCommand, screenshotsDir, type VsCode } from './codeServer';
import { seenChart, waitSeen } from './seen';

async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotsDir, { recursive: true });
  await page.screenshot({ path: join(screenshotsDir, `${name}.png`) });
}

/** The packaged extension, as `npm run package` makes it (the bundles are already built by npm test). */
function packageVsix(): string {
  const out = join(mkdtempSync(join(tmpdir(), 'gl-vsix-')), 'gradient-lab.vsix');
  execFileSync(join(packageRoot(), 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--out', out], { cwd: packageRoot(), stdio: 'pipe', timeout: 300_000 });
  return out;
}

/** A fresh code-server with the .vsix installed, on a new empty folder, which opens in Restricted Mode (as VS Code
 *  and code-server open a new folder); `trust` trusts it through the Workspace Trust editor, as a person would. */
async function freshVsCode(vsix: string, trust: boolean, shotName?: string): Promise<VsCode> {
  const vscode = await openVsCode({ workspace: mkdtempSync(join(tmpdir(), 'gl-new-')), vsix, defaultTrust: true });
  const { page } = vscode;
  try {
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const restricted = page.locator('.statusbar-item', { hasText: 'Restricted Mode' });
    await restricted.waitFor({ timeout: 60_000 });
    if (shotName) await shoot(page, shotName);
    if (trust) {
      await runCommand(page, 'Workspaces: Manage Workspace Trust');
      await page.locator('.workspace-trust-editor .monaco-button').filter({ hasText: /^Trust$/ }).first().click({ timeout: 60_000 });
      await restricted.waitFor({ state: 'hidden', timeout: 60_000 });
      await page.keyboard.press('Control+W'); // close the trust editor
    }
    return vscode;
  } catch (e) {
    await shoot(page, 'newcomer-failure-trust').catch(() => undefined);
    await vscode.stop();
    throw e;
  }
}

test('a newcomer installs the .vsix into a fresh VS Code: restricted mode explains, the empty Runs view welcomes, training and a derivation lens work', { timeout: 900_000 }, async () => {
  const vsix = packageVsix();
  assert.ok(statSync(vsix).size < 10 * 2 ** 20, `the .vsix is ${statSync(vsix).size} bytes`);

  // 1. untrusted (Restricted Mode): Train is in the palette and says why it cannot train, with the way out
  let vscode = await freshVsCode(vsix, false, 'vsix-install-restricted-mode');
  try {
    const { page } = vscode;
    await runCommand(page, 'Gradient Lab: Train Experiment…');
    // the warning lands in the notifications (a toast, or the centre when the workbench keeps toasts back)
    await runCommand(page, 'Notifications: Show Notifications');
    const note = page.locator('.notifications-list-container .monaco-list-row, .notification-toast', { hasText: 'training is disabled in an untrusted workspace' }).first();
    await waitSeen(note, 'the notification that says why training is off');
    await waitSeen(note.locator('.monaco-button', { hasText: 'Manage Workspace Trust' }), 'its "Manage Workspace Trust" action');
    await shoot(page, 'restricted-mode-train');
    // the Runs view of a workspace without runs: a welcome with what to do first
    await runCommand(page, 'Gradient Lab: Focus on Runs View');
    const welcome = page.locator('.welcome-view-content', { hasText: 'No runs yet' });
    await waitSeen(welcome, 'the Runs view welcome');
    for (const button of ['New Experiment…', 'Open an Example…', 'Check a Derivation']) await waitSeen(welcome.locator('.monaco-button', { hasText: button }), `the "${button}" button`);
    await shoot(page, 'runs-view-empty');
  } catch (e) {
    await shoot(vscode.page, 'newcomer-failure-restricted').catch(() => undefined);
    throw e;
  } finally {
    await vscode.stop();
  }

  // 2. trusted: New Experiment… → Train → curves seen → the run in the Runs view → a derivation's ✗ explained
  vscode = await freshVsCode(vsix, true);
  try {
    const { page } = vscode;
    await runCommand(page, 'Gradient Lab: New Experiment…');
    const quick = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Quick MLP on the embedded digits' });
    await waitSeen(quick, 'the starter in the New Experiment picker');
    await shoot(page, 'new-experiment-picker');
    await quick.click();
    await page.locator('.tab.active', { hasText: 'digits-mlp.experiment.json' }).waitFor({ timeout: 60_000 });
    await runCommand(page, 'Gradient Lab: Train Experiment…');
    const panel = panelFrame(page);
    await panel.locator('#test-accuracy', { hasText: '%' }).waitFor({ timeout: 300_000 });
    const loss = await seenChart(panel, 'loss-chart');
    assert.ok(loss.points > 10, `${loss.points} points on the loss curve`);
    await panel.locator('#run-name').scrollIntoViewIfNeeded();
    await shoot(page, 'vsix-install-trained');
    await runCommand(page, 'Gradient Lab: Focus on Runs View');
    await waitSeen(page.locator('.monaco-list-row', { hasText: 'quick MLP' }).first(), 'the run in the Runs view');
    await shoot(page, 'vsix-install-runs-view');

    await runCommand(page, 'Gradient Lab: Check a Derivation (Example)');
    await page.locator('.tab.active', { hasText: 'backprop-3-4-4-1.md' }).waitFor({ timeout: 60_000 });
    await page.locator('.codelens-decoration', { hasText: '✓ gradient check' }).first().waitFor({ timeout: 60_000 });
    await page.keyboard.press('Control+G');
    await page.locator('.quick-input-widget input').fill(':77');
    await page.locator('.quick-input-widget input').press('Enter');
    const lens = page.locator('.codelens-decoration a', { hasText: 'the sign is flipped' });
    await waitSeen(lens, 'the ✗ lens that names the sign');
    const hover = page.locator('.monaco-hover', { hasText: 'the sign is flipped' });
    // a lens the editor re-renders as the check finishes can swallow a click: click again, as a person would (3 times at most)
    for (let attempt = 1; ; attempt++) {
      await lens.click();
      const shown = await hover.waitFor({ state: 'visible', timeout: 15_000 }).then(() => true, () => false);
      if (shown || attempt === 3) break;
    }
    await waitSeen(hover, 'the hover a lens click opens');
    assert.match((await hover.textContent())!, /your right-hand side = .* the left-hand side = [\s\S]*draw/);
    await shoot(page, 'derivation-failure-hover');
  } catch (e) {
    await shoot(vscode.page, 'newcomer-failure-trusted').catch(() => undefined);
    throw e;
  } finally {
    await vscode.stop();
  }
});
