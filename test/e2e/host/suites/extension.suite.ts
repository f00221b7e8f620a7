// Inside a real VS Code: activation, commands, a training run through the real backend, rejections in the
// Problems panel, the schema's own diagnostics, and a backend killed mid-run.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { RunSummary } from '../../../../src/protocol/backend';
import type { GradientLabApi } from '../../../../src/extension/extension';
import { readEvents } from '../../../../src/backend/jobs/runFolder';

const extensionId = 'gradient-lab.gradient-lab';
const workspace = () => vscode.workspace.workspaceFolders![0].uri;
const file = (name: string) => vscode.Uri.joinPath(workspace(), name);

type Truthy<T> = Exclude<T, undefined | null | false | 0 | ''>;

async function until<T>(what: string, f: () => T, timeoutMs = 180_000): Promise<Truthy<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v as Truthy<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function extensionSuite(): void {
  let api: GradientLabApi;

  suite('Gradient Lab in a real VS Code', () => {
    suiteSetup(async () => {
      const ext = vscode.extensions.getExtension<GradientLabApi>(extensionId);
      assert.ok(ext, `${extensionId} is installed`);
      api = await ext.activate();
    });

    test('activates quickly, without starting the backend, and registers its commands', async () => {
      assert.ok(api.activationMs < 50, `activate() took ${api.activationMs.toFixed(1)} ms`);
      assert.equal(api.client.running, false);
      const commands = await vscode.commands.getCommands(true);
      for (const c of ['trainExperiment', 'newExperiment', 'stopTraining', 'showTrainingPanel', 'showEngineInfo', 'openRun', 'installNativeEngine']) {
        assert.ok(commands.includes(`gradientLab.${c}`), `gradientLab.${c} is registered`);
      }
    });

    test('a training run through the real backend finishes and its summary is right', async () => {
      const runId = await vscode.commands.executeCommand<string>('gradientLab.trainExperiment', file('quick.experiment.json'));
      assert.ok(runId, 'a run was started');
      const run = await until('the run to finish', () => api.store.get(runId)?.status === 'completed' && api.store.get(runId));
      const summary = JSON.parse(readFileSync(join(run.folder, 'summary.json'), 'utf8')) as RunSummary;
      assert.equal(summary.status, 'completed');
      assert.equal(summary.engine, 'wasm');
      assert.ok(summary.testAccuracy! > 0.6, `test accuracy ${summary.testAccuracy}`);
      assert.ok(run.folder.startsWith(join(workspace().fsPath, '.gradient-lab', 'runs')), run.folder);
      assert.deepEqual(readEvents(run.folder).events, run.events, 'the host has every event the backend wrote');
    });

    test('an impossible shape is rejected before training and shown in the Problems panel at its line', async () => {
      const uri = file('bad-shape.experiment.json');
      const runId = await vscode.commands.executeCommand<string | undefined>('gradientLab.trainExperiment', uri);
      assert.equal(runId, undefined);
      const [d] = await until('our diagnostic', () => vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'Gradient Lab').length && vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'Gradient Lab'));
      assert.match(d.message, /model\.conv\[0\]\.kernel: kernel 29×29 is larger than the 28×28 input/);
      const text = (await vscode.workspace.openTextDocument(uri)).lineAt(d.range.start.line).text;
      assert.match(text, /"kernel"/, `the diagnostic sits on the kernel line: ${text}`);
    });

    test('the experiment schema reports an unknown field in the Problems panel before any training', async () => {
      const uri = file('bad-schema.experiment.json');
      await vscode.window.showTextDocument(uri);
      const diagnostics = await until('schema diagnostics', () => vscode.languages.getDiagnostics(uri).length && vscode.languages.getDiagnostics(uri), 60_000);
      assert.ok(diagnostics.some((d) => /kernal/.test(d.message) && /not allowed/i.test(d.message)), diagnostics.map((d) => d.message).join('\n'));
    });

    test('installing the native CPU engine offline fails with the download it could not make; wasm stays', async function () {
      const outcome = await vscode.commands.executeCommand<{ ok: boolean; message: string }>('gradientLab.installNativeEngine', 'cpu');
      if (outcome.ok) {
        // a machine with network access: the native engine really installed and loads
        assert.match(outcome.message, /now trains on cpu/);
        return;
      }
      assert.match(outcome.message, /installing @tensorflow\/tfjs-node failed: the download failed \((ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT) [\w.-]+\)/);
      assert.match(outcome.message, /The wasm engine stays in use/);
      assert.equal((await api.client.engineInfo()).engine, 'wasm');
    });

    test('killing the backend mid-run marks the run failed with the reason; the next Train starts a fresh backend', async () => {
      const runId = await vscode.commands.executeCommand<string>('gradientLab.trainExperiment', file('slow.experiment.json'));
      const pid = api.client.pid!;
      await until('a few steps', () => (api.store.get(runId)?.events.filter((e) => e.type === 'batch').length ?? 0) >= 3);
      process.kill(pid, 'SIGKILL');
      const run = await until('the run to fail', () => api.store.get(runId)?.status === 'failed' && api.store.get(runId));
      const failed = run.events.at(-1)!;
      assert.equal(failed.type, 'failed');
      assert.match((failed as { message: string }).message, /the training backend stopped unexpectedly \(killed by SIGKILL\)/);
      const onDisk = readEvents(run.folder).events;
      assert.ok(onDisk.filter((e) => e.type === 'batch').length >= 3, 'the steps trained so far are in the run folder');
      assert.equal(onDisk.at(-1)!.type, 'failed');
      assert.ok(existsSync(join(run.folder, 'experiment.json')));
      const next = await vscode.commands.executeCommand<string>('gradientLab.trainExperiment', file('quick.experiment.json'));
      assert.notEqual(api.client.pid, pid, 'a new backend process');
      await until('the next run to finish', () => api.store.get(next)?.status === 'completed');
    });
  });
}
