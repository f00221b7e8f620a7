// Layer 2 of the end-to-end tests: a person's path through the real workbench, driven by Playwright in
// Debian's Chromium. Screenshots of the panel (dark and light theme) go to test-artifacts/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { packageRoot } from '../../src/paths';
import { readEvents } from '../../src/runs/runFolder';
import type { PhaseEvent } from '../../src/protocol/runEvents';
import { openVsCode, panelFrame, runCommand, screenshotsDir } from './codeServer';
import { e2eWorkspace } from './fixtures';
import { type PageCanvas, seenChart, until, waitSeen } from './seen';

async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotsDir, { recursive: true });
  await page.screenshot({ path: join(screenshotsDir, `${name}.png`) });
}

/** The panel's results (confusion matrix, report), which sit below the fold in a full-window screenshot. */
async function shootResults(page: Page, name: string): Promise<void> {
  const results = panelFrame(page).locator('#results');
  await results.scrollIntoViewIfNeeded();
  await results.screenshot({ path: join(screenshotsDir, `${name}.png`) });
}

async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().click();
  await page.locator('.tab.active', { hasText: name }).waitFor();
}

/** The webview frame whose page has `selector` (the compare panel: body.compare; a test report: body.report). */
async function frameWith(page: Page, selector: string): Promise<Frame> {
  for (let i = 0; i < 300; i++) {
    for (const f of page.frames()) {
      if (await f.locator(selector).count().catch(() => 0)) return f;
    }
    await page.waitForTimeout(200);
  }
  throw new Error(`no webview with ${selector} opened`);
}

/** The loss chart's points, once the chart is seen (visible, non-zero size, pixels drawn). */
async function lossPoints(page: Page): Promise<number> {
  return (await seenChart(panelFrame(page), 'loss-chart')).points;
}

test('a person trains the starter experiment from the palette and watches it in the panel', { timeout: 900_000 }, async () => {
  const vscode = await openVsCode({ workspace: await e2eWorkspace(), settings: { 'workbench.colorTheme': 'Default Dark Modern' } });
  const { page } = vscode;
  try {
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });

    // New Experiment… writes the starter and opens it, with its "▶ Train" lens
    await runCommand(page, 'Gradient Lab: New Experiment…');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Quick MLP on the embedded digits' }).click();
    await page.locator('.tab.active', { hasText: 'digits-mlp.experiment.json' }).waitFor();
    await page.locator('.codelens-decoration', { hasText: 'Train' }).first().waitFor({ timeout: 60_000 });

    await runCommand(page, 'Gradient Lab: Train Experiment…');
    const panel = panelFrame(page);
    await panel.locator('#test-accuracy', { hasText: '%' }).waitFor({ timeout: 180_000 });
    const accuracy = Number((await panel.locator('#test-accuracy').textContent())!.replace('%', ''));
    assert.ok(accuracy > 80, `test accuracy shown: ${accuracy}%`);
    const steps = Number(/(\d+) steps/.exec((await panel.locator('#progress').textContent())!)![1]);
    assert.equal(await lossPoints(page), steps + 1, 'every training step and the validation point are drawn');
    // the other three charts a person reads: accuracy (train + validation), step time and L2, each seen
    assert.equal((await seenChart(panel, 'accuracy-chart')).points, steps + 1);
    assert.equal((await seenChart(panel, 'step-chart')).points, steps);
    assert.equal((await seenChart(panel, 'l2-chart')).points, steps);
    assert.equal(await panel.locator('#status').textContent(), 'completed');
    await waitSeen(panel.locator('#results'), 'the results (confusion matrix, report)');
    assert.equal(await panel.locator('#results table.confusion tbody tr').count(), 10);
    assert.match((await panel.locator('#engine').textContent())!, /engine wasm/);
    assert.match((await page.locator('.statusbar').textContent())!, /wasm/, 'the status bar names the engine');
    // a chart saved as PNG lands in the run's folder
    await panel.locator('a.png[data-chart="loss"]').click();
    const runsDir = join(vscode.workspace, '.gradient-lab', 'runs');
    const pngPath = () => readdirSync(runsDir).map((r) => join(runsDir, r, 'charts', 'loss.png')).find((f) => existsSync(f));
    for (let i = 0; !pngPath(); i++) {
      assert.ok(i < 100, 'charts/loss.png is written');
      await page.waitForTimeout(100);
    }
    const pngBytes = readFileSync(pngPath()!);
    assert.equal(pngBytes.subarray(1, 4).toString(), 'PNG');
    assert.ok(pngBytes.length > 5000, `a real chart image, ${pngBytes.length} bytes`);
    await page.locator('.tab', { hasText: 'digits-mlp.experiment.json' }).click(); // focus back on the editor group


    assert.ok(await page.locator('.monaco-workbench.vs-dark').count(), 'a dark theme');
    await shoot(page, 'training-panel-dark');
    await shootResults(page, 'results-dark');

    // the derivation example: lenses above its claims, ✓ and ✗
    await openFile(page, 'backprop.md');
    await page.locator('.codelens-decoration', { hasText: '✓ gradient check' }).first().waitFor({ timeout: 60_000 });
    await shoot(page, 'derivation-lenses-dark');
    await page.keyboard.press('Control+G'); // Go to Line: the deliberate mistakes at the end of the file
    await page.locator('.quick-input-widget input').fill(':82');
    await page.locator('.quick-input-widget input').press('Enter');
    await page.locator('.codelens-decoration', { hasText: '✗ index i is unbound — the claim holds if i = 1' }).waitFor({ timeout: 30_000 });
    await shoot(page, 'derivation-mistakes-dark');

    // backprop through a convolution: ✓ above the index-form gradients, ✗ above the classic mistakes, in the dark theme
    await openFile(page, 'conv.md');
    const convPass = page.locator('.codelens-decoration', { hasText: '✓ 2 sides agree for a = 0..2, b = 0..2 on 3 random layers' }).first();
    await waitSeen(convPass, 'the ✓ lens above ∂L/∂w of the conv layer');
    const convFail = page.locator('.codelens-decoration', { hasText: '✗ side 2 ≠ side 1 at a = 0, b = 1' }).first();
    await waitSeen(convFail, 'the ✗ lens above the offset with the wrong sign');
    await shoot(page, 'conv-lenses-dark');

    // an update rule's hover draws both trajectories over the test function's contours: the picture is seen
    await openFile(page, 'optimizers.md');
    await page.keyboard.press('Control+G');
    await page.locator('.quick-input-widget input').fill(':93');
    await page.locator('.quick-input-widget input').press('Enter');
    await waitSeen(page.locator('.codelens-decoration', { hasText: '✗ not momentum: at step 1' }).first(), 'the ✗ lens above momentum with ε\'s sign flipped');
    const rule = page.locator('.view-lines .view-line', { hasText: /v_\{t\+1\}\s=\s\\mu\sv_t\s\+\s\\epsilon/ }).first();
    await rule.hover({ position: { x: 30, y: 6 } });
    const picture = page.locator('.monaco-hover img[src^="data:image/svg+xml;base64,"]').first();
    await waitSeen(picture, 'the trajectories picture in the hover');
    const drawn = await picture.evaluate((el) => ({ w: (el as unknown as { naturalWidth: number }).naturalWidth, h: (el as unknown as { naturalHeight: number }).naturalHeight }));
    assert.deepEqual(drawn, { w: 400, h: 270 }, 'the SVG decoded and laid out at its size');
    await shoot(page, 'optimizer-hover-dark');
    await page.keyboard.press('Escape');
    await page.locator('.tab', { hasText: 'digits-mlp.experiment.json' }).click();
    await page.locator('.tab.active', { hasText: 'digits-mlp.experiment.json' }).waitFor();

    const darkPixels = await panel.locator('#loss-chart').evaluate((el) => (el as unknown as PageCanvas).toDataURL());
    await runCommand(page, 'Preferences: Color Theme');
    await page.locator('.quick-input-widget input').fill('Light Modern');
    await page.locator('.quick-input-list .monaco-list-row').filter({ has: page.getByText('Light Modern', { exact: false }) }).first().click();
    await page.locator('.monaco-workbench.vs').waitFor();
    // the charts re-read the theme colours on the body's class change: the drawn pixels change
    await until(() => panel.locator('#loss-chart').evaluate((el) => (el as unknown as PageCanvas).toDataURL()), (now) => now !== darkPixels, 'the loss chart is redrawn in the light theme\'s colours', 30_000);
    await shoot(page, 'training-panel-light');
    await shootResults(page, 'results-light');

    // a reloaded window restores the panel with the same curves, from the host's copy of the run
    const before = await lossPoints(page);
    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await panelFrame(page).locator('#test-accuracy', { hasText: '%' }).waitFor({ timeout: 60_000 });
    assert.equal(await lossPoints(page), before, 'the restored panel shows the same curve, seen');

    // Stop in the panel cancels the run and keeps it
    await openFile(page, 'slow.experiment.json');
    await runCommand(page, 'Gradient Lab: Train Experiment…');
    await panel.locator('#run-name', { hasText: 'slow digits CNN' }).waitFor({ timeout: 60_000 });
    await panel.locator('#status', { hasText: 'running' }).waitFor({ timeout: 60_000 });
    // a second run in the reused panel: its curves are seen while it trains, and they grow
    const first = await until(() => seenChart(panel, 'loss-chart'), (c) => c.points >= 2, 'the second run in a reused panel draws its loss curve');
    await until(() => seenChart(panel, 'loss-chart'), (c) => c.points > first.points, 'the curve grows while the run trains');
    assert.equal(await panel.locator('#status').textContent(), 'running', 'seen during the run, not after it');
    await waitSeen(panel.locator('#accuracy-chart'), 'the accuracy chart of the second run');
    await panel.locator('#run-name').scrollIntoViewIfNeeded(); // the run's name and status above its curves
    await shoot(page, 'reused-panel-second-run-light');
    await panel.locator('#stop').click();
    await panel.locator('#status', { hasText: 'cancelled' }).waitFor({ timeout: 60_000 });
    assert.match((await panel.locator('#progress').textContent())!, /cancelled after \d+ steps?/);

    // the backend dies mid-run: the panel shows the run failed with the reason, the next Train starts afresh
    await page.locator('.tab', { hasText: 'slow.experiment.json' }).click(); // the panel had the focus
    await runCommand(page, 'Gradient Lab: Train Experiment…');
    await panel.locator('#status', { hasText: 'running' }).waitFor({ timeout: 60_000 });
    await until(() => lossPoints(page), (n) => n >= 3, 'the slow run draws its first steps (a third run in the reused panel)');
    execFileSync('pkill', ['-KILL', '-f', `${join(packageRoot(), 'dist', 'backend.js')} serve`]); // this checkout's backend only
    await panel.locator('#status', { hasText: 'failed' }).waitFor({ timeout: 30_000 });
    assert.match((await panel.locator('#message').textContent())!, /the training backend stopped unexpectedly \(killed by SIGKILL\)/);
    await shoot(page, 'backend-killed');
    await openFile(page, 'quick.experiment.json');
    await runCommand(page, 'Gradient Lab: Train Experiment…');
    await panel.locator('#run-name', { hasText: 'quick digits MLP' }).waitFor({ timeout: 60_000 });
    await panel.locator('#status', { hasText: 'completed' }).waitFor({ timeout: 180_000 });

    // the vanishing-gradient lab: the sigmoid and ReLU chain starters, trained, then compared in one chart
    for (const starter of ['20-layer sigmoid chain', '20-layer ReLU chain']) {
      await runCommand(page, 'Gradient Lab: New Experiment…');
      await page.locator('.quick-input-list .monaco-list-row').filter({ has: page.getByText(starter, { exact: true }) }).click();
      await page.locator('.tab.active', { hasText: 'chain.experiment.json' }).waitFor();
      await runCommand(page, 'Gradient Lab: Train Experiment…');
      await panel.locator('#run-name', { hasText: starter }).waitFor({ timeout: 60_000 });
      // this run's own profile (the panel clears the last run's when it switches), in a section a person sees
      await waitSeen(panel.locator('#gradients'), `${starter}: the gradient section`);
      await until(async () => Number(await panel.locator('#gradient-chart').getAttribute('data-points')), (n) => n >= 21, `${starter}: the gradient profile has a point per layer`, 180_000);
      assert.ok(await waitSeen(panel.locator('#gradient-chart'), `${starter}: the gradient chart`) > 0);
      await panel.locator('#status', { hasText: 'completed' }).waitFor({ timeout: 180_000 });
      if (starter.includes('sigmoid')) {
        // the layer × step heatmap with its axes, drawn from the sigmoid chain's own probes
        assert.ok(await waitSeen(panel.locator('#gradient-heatmap'), 'the heatmap') > 0);
        await panel.locator('#gradients').screenshot({ path: join(screenshotsDir, 'gradients-sigmoid-heatmap-light.png') });
      }
    }
    await runCommand(page, 'Gradient Lab: Compare Gradient Profiles…');
    for (const starter of ['20-layer sigmoid chain', '20-layer ReLU chain']) {
      await page.locator('.quick-input-list .monaco-list-row').filter({ has: page.getByText(starter, { exact: true }) }).click();
    }
    await page.locator('.quick-input-widget input').press('Enter');
    await panel.locator('#compare-name', { hasText: ' vs ' }).waitFor({ timeout: 30_000 });
    const compared = (await panel.locator('#compare-name').textContent())!;
    const colour = (name: string) => new RegExp(`${name} \\((blue|orange)\\)`).exec(compared)?.[1];
    assert.ok(colour('20-layer ReLU chain') && colour('20-layer sigmoid chain'), compared);
    assert.notEqual(colour('20-layer ReLU chain'), colour('20-layer sigmoid chain'), 'each profile its own colour');
    // both profiles drawn in the chart a person sees: a point per layer each
    await until(async () => Number(await panel.locator('#gradient-chart').getAttribute('data-points')), (n) => n >= 42, 'both profiles in the gradient chart', 30_000);
    assert.ok(await waitSeen(panel.locator('#gradient-chart'), 'the compared gradient chart') > 0);
    await page.waitForTimeout(300);
    await panel.locator('#gradients').scrollIntoViewIfNeeded();
    await panel.locator('#gradients').screenshot({ path: join(screenshotsDir, 'gradients-compare-light.png') });
    await shoot(page, 'gradients-compare-window-light');

    // a sweep from its lens: the compare panel overlays the members as they finish; the runs view lists the sweep
    await openFile(page, 'sweep.experiment.json');
    await page.locator('.codelens-decoration', { hasText: 'Run Sweep' }).first().click({ timeout: 60_000 });
    const compare = await frameWith(page, 'body.compare');
    await compare.locator('body[data-runs="2"]').waitFor({ timeout: 180_000 });
    for (let i = 0; (await compare.locator('#runs-table tbody tr', { hasText: 'completed' }).count()) < 2; i++) {
      assert.ok(i < 900, 'both sweep members complete in the compare table');
      await page.waitForTimeout(200);
    }
    assert.match((await compare.locator('#facts').textContent())!, /differing: optimizer\.learningRate/);
    await waitSeen(compare.locator('#val-loss-chart'), 'the compare panel\'s validation-loss chart');
    assert.equal(await compare.locator('#val-loss-chart').getAttribute('data-points'), '2', 'one validation point per member (1 epoch each)');
    await waitSeen(compare.locator('#metric-chart'), 'the metric-against-setting chart');
    assert.equal(await compare.locator('#metric-chart').getAttribute('data-points'), '2', 'the metric against the learning rate');
    // sorting by test accuracy: the first click ascending, the second descending — each order seen in the rows
    const accs = async () => (await compare.locator('#runs-table tbody tr td:nth-last-child(2)').allTextContents()).map((t) => Number(t.replace('%', '')));
    const header = compare.locator('#runs-table th[data-key="testAccuracy"]');
    await header.click();
    assert.equal(await header.getAttribute('aria-sort'), 'ascending');
    const up = await accs();
    assert.notEqual(up[0], up[1], `two different accuracies to sort: ${up.join(' ')}`);
    assert.ok(up[0] < up[1], `ascending: ${up.join(' ')}`);
    await header.click();
    assert.equal(await header.getAttribute('aria-sort'), 'descending');
    const down = await accs();
    assert.ok(down[0] > down[1], `descending: ${down.join(' ')}`);
    await page.waitForTimeout(300);
    await shoot(page, 'sweep-compare-table-light');
    await compare.locator('#title').scrollIntoViewIfNeeded();
    await runCommand(page, 'Gradient Lab: Focus on Runs View');
    const sweepRow = page.locator('.monaco-list-row', { hasText: 'small sweep (sweep)' }).first();
    await sweepRow.click({ timeout: 30_000 });
    await page.keyboard.press('ArrowRight'); // expand: its members
    await page.locator('.monaco-list-row[aria-level="2"]').nth(1).waitFor({ timeout: 30_000 });
    await page.waitForTimeout(300);
    await shoot(page, 'sweep-tree-and-compare-light');

    // a fine-tune of the real MobileNetV2 backbone: the model table, the features line, the unfreeze marker,
    // then every test image in the report panel — whose markup-named class stays text
    await openFile(page, 'finetune.experiment.json');
    await runCommand(page, 'Gradient Lab: Train Experiment…');
    await panel.locator('#run-name', { hasText: 'fine-tune MobileNetV2' }).waitFor({ timeout: 60_000 });
    await panel.locator('#status', { hasText: 'completed' }).waitFor({ timeout: 300_000 });
    assert.match((await panel.locator('#features').textContent())!, /computed and cached in .* Unfreeze phase from epoch 7: \d+ layers of the base trainable/);
    assert.match((await panel.locator('#model-heading').textContent())!, /Model: \d+ layers, [\d,]+ parameters \([\d,]+ trainable, [\d,]+ frozen\)/);
    await panel.locator('#run-name').scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    await shoot(page, 'finetune-panel-light');
    await panel.locator('#model summary').click();
    const unfrozen = panel.locator('#model-table tbody tr', { hasText: 'unfrozen' });
    await unfrozen.last().scrollIntoViewIfNeeded();
    // the rows marked unfrozen are exactly the layers the run unfroze: those with weights among the base's top 6
    const phase = readdirSync(runsDir).flatMap((r) => readEvents(join(runsDir, r)).events).find((e): e is PhaseEvent => e.type === 'phase')!;
    assert.ok(phase.unfrozenLayers.length >= 1 && phase.unfrozenLayers.length <= 6, `${phase.unfrozenLayers.length} layers unfrozen`);
    await waitSeen(unfrozen.last(), 'the last unfrozen row of the model table');
    assert.deepEqual(await unfrozen.locator('td:first-child').allTextContents(), phase.unfrozenLayers);
    await page.waitForTimeout(300);
    await shoot(page, 'finetune-model-table-light');
    await panel.locator('#open-report').click();
    const report = await frameWith(page, 'body.report');
    assert.equal(await report.locator('.card').count(), 20);
    assert.ok((await report.locator('#class option').allTextContents()).includes('<b>seven'), 'the class name is shown as text');
    assert.equal(await report.locator('b').count(), 0, 'and not as markup');
    await report.locator('#mistakes').check();
    const wrong = await report.locator('.card.wrong').count();
    assert.ok(wrong > 0, 'the fine-tune makes some mistakes to show');
    await until(() => report.locator('.card:visible').count(), (n) => n === wrong, 'mistakes only: exactly the wrong cards are shown', 10_000);
    assert.equal(await report.locator('.card:not(.wrong):visible').count(), 0, 'and no right one');
    assert.equal(Number(/^(\d+) of 20/.exec((await report.locator('#shown').textContent())!)![1]), wrong);
    await report.locator('#mistakes').uncheck();
    await page.waitForTimeout(300);
    await shoot(page, 'finetune-report-light');
  } catch (e) {
    await shoot(page, 'ui-test-failure').catch(() => undefined);
    throw e;
  } finally {
    await vscode.stop();
  }
});
