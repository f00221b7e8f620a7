// Inside a real VS Code: activation, commands, a training run through the real backend, rejections in the
// Problems panel, the schema's own diagnostics, and a backend killed mid-run.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { RunSummary } from '../../../../src/protocol/runEvents';
import type { SweepSummary } from '../../../../src/protocol/training';
import type { GradientLabApi } from '../../../../src/extension/extension';
import { readEvents } from '../../../../src/runs/runFolder';
import { Commands } from '../../../../src/extension/commandIds';

const extensionId = 'gradient-lab.gradient-lab';
const workspace = () => vscode.workspace.workspaceFolders![0].uri;
const file = (name: string) => vscode.Uri.joinPath(workspace(), name);

type Truthy<T> = Exclude<T, undefined | null | false | 0 | ''>;

async function until<T>(what: string, f: () => T | Promise<T>, timeoutMs = 180_000): Promise<Truthy<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
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

    test('activates without starting the backend, and registers its commands', async () => {
      // its time is printed, not asserted: a loaded CI machine makes any bound a coin toss
      console.log(`activate() took ${api.activationMs.toFixed(1)} ms (its own body; loading the bundle not included)`);
      assert.equal(api.client.running, false);
      const commands = await vscode.commands.getCommands(true);
      for (const c of ['trainExperiment', 'newExperiment', 'stopTraining', 'showTrainingPanel', 'showEngineInfo', 'openRun', 'installNativeEngine']) {
        assert.ok(commands.includes(`gradientLab.${c}`), `gradientLab.${c} is registered`);
      }
    });

    test('a training run through the real backend finishes and its summary is right', async () => {
      const runId = await vscode.commands.executeCommand<string>(Commands.trainExperiment, file('quick.experiment.json'));
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
      const runId = await vscode.commands.executeCommand<string | undefined>(Commands.trainExperiment, uri);
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

    test('derivation lenses: ✓ above correct claims, ✗ above the deliberate mistakes, failures in the Problems panel', async () => {
      const uri = file('backprop.md');
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document);
      const lenses = await until('23 derivation lenses', async () => {
        const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
        return l.length >= 23 && l;
      }, 60_000);
      const titles = lenses.map((l) => l.command!.title);
      assert.equal(titles.filter((t) => t.startsWith('✓')).length, 15, titles.join('\n'));
      assert.equal(titles.filter((t) => t.startsWith('✗')).length, 7, titles.join('\n'));
      const lensAt = (needle: string) => lenses.find((l) => document.lineAt(l.range.start.line).text.includes(needle))!;
      assert.match(lensAt('w_{11}^{(4)}').command!.title, /^✗ w_\{11\}\^\{\(4\)\} does not exist: layer 4 is the output layer/);
      assert.match(lensAt('(y - t_n z_1^{(3)}').command!.title, /^⚠ cannot parse: unbalanced/);
      const problems = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Gradient Lab');
      assert.equal(problems.length, 8, problems.map((p) => p.message).join('\n'));
      const unbound = problems.find((p) => /index i is unbound/.test(p.message))!;
      assert.match(document.getText(unbound.range), /w_\{1i\}\^\{\(3\)\}/, 'the diagnostic covers the formula');
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, unbound.range.start.translate(0, 2));
      assert.ok(hovers.some((h) => h.contents.some((c) => /unbound/.test(typeof c === 'string' ? c : (c as vscode.MarkdownString).value))));
      // a wrong sign: the hover's per-draw table holds the very values the message names
      const flipped = problems.find((p) => /the sign is flipped/.test(p.message))!;
      const named = /your right-hand side = (-?[\d.e+-]+), the left-hand side = (-?[\d.e+-]+)/.exec(flipped.message)!;
      const shown = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, flipped.range.start.translate(0, 2)))
        .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
      assert.match(shown, /\| draw \| side 1 \| side 2 \|/);
      const row = /\| 1 \| (-?[\d.e+-]+) \| (-?[\d.e+-]+) \|/.exec(shown)!;
      assert.ok(row, shown);
      const close = (a: string, b: string) => Math.abs(Number(a) - Number(b)) <= 1e-3 * Math.abs(Number(b));
      assert.ok(close(row[2], named[1]) && close(row[1], named[2]), `hover ${row[1]}, ${row[2]} vs message ${named[2]}, ${named[1]}`);
    });

    test('a Markdown file with claims but no block gets "Declare network…", which inserts a guessed block', async () => {
      const uri = file('undeclared.md');
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document);
      const lenses = await until('the Declare network lens', async () => {
        const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
        return l.some((x) => /Declare network/.test(x.command?.title ?? '')) && l;
      }, 60_000);
      const declare = lenses.find((x) => /Declare network/.test(x.command!.title))!;
      await vscode.commands.executeCommand(declare.command!.command, ...(declare.command!.arguments ?? []));
      const text = document.getText();
      assert.match(text, /```gradcheck\nnetwork: 2-1-1 .*guessed/);
      const after = await until('the claims checked under the new block', async () => {
        await document.save();
        const r = await vscode.commands.executeCommand<{ verdict: string }[]>(Commands.checkDerivations, uri);
        return r.length === 2 && r;
      }, 60_000);
      assert.deepEqual(after.map((r) => r.verdict), ['pass', 'pass']);
    });

    test('Probe Gradients… profiles one batch without training: a 20-layer sigmoid chain vanishes', async () => {
      const profile = await vscode.commands.executeCommand<{ layers: { weightNorm: number }[]; engine: string }>(Commands.probeGradients, file('deep-sigmoid.experiment.json'));
      assert.equal(profile.engine, 'wasm');
      assert.equal(profile.layers.length, 21);
      assert.ok(profile.layers[0].weightNorm / profile.layers[20].weightNorm < 1e-4);
      const runs = join(workspace().fsPath, '.gradient-lab', 'runs');
      assert.ok(!(existsSync(runs) ? readdirSync(runs) : []).some((r) => r.includes('deep-sigmoid')), 'a probe writes no run');
    });

    test('the runs tree lists the runs and a finished sweep made from the command line, from the folders alone', async () => {
      const backendJs = join(vscode.extensions.getExtension(extensionId)!.extensionPath, 'dist', 'backend.js');
      api.runsTree.getChildren(); // the tree as the view last listed it: it now watches the runs folder
      await new Promise((r) => setTimeout(r, 1000)); // a refresh still pending from earlier tests fires first
      // the tree refreshes by itself when the CLI writes runs: no refresh() here
      let refreshed = false;
      const listener = api.runsTree.onDidChangeTreeData(() => (refreshed = true));
      const cli = (...args: string[]) => execFileSync(process.execPath, [backendJs, ...args], { cwd: workspace().fsPath, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
      cli('sweep', file('sweep.experiment.json').fsPath);
      cli('train', file('quick.experiment.json').fsPath); // this test's own run: it relies on no earlier test's
      await until('the tree to refresh after the CLI sweep', () => refreshed, 30_000);
      listener.dispose();
      const top = await until('the sweep in the tree', () => api.runsTree.getChildren().length && api.runsTree.getChildren());
      const sweep = top.find((n) => n.kind === 'sweep');
      assert.ok(sweep, 'the sweep is listed');
      assert.match(String(api.runsTree.getTreeItem(sweep).description), /^completed · 2\/2 done · optimizer\.learningRate/);
      const members = api.runsTree.getChildren(sweep);
      assert.equal(members.length, 2);
      assert.ok(members.every((m) => m.kind === 'run' && m.run.status === 'completed'));
      const quickRun = await until('the run trained from the CLI in the tree', () => api.runsTree.getChildren().find((n) => n.kind === 'run' && n.run.name === 'quick digits MLP' && n.run.status === 'completed'));
      // a row says when the run started and its test accuracy; the tooltip has the results
      const item = api.runsTree.getTreeItem(quickRun);
      assert.match(String(item.description), /^\d{2}:\d{2} · \d+\.\d%$/);
      assert.match((item.tooltip as vscode.MarkdownString).value, /test accuracy: \d+\.\d\d %[\s\S]*time: \d+ s on wasm/);
    });

    test('the runs view\'s actions on its rows: Open Run shows the run in the panel, Compare on a sweep opens it compared; Insert Gradient Check Block writes the block', async () => {
      const backendJs = join(vscode.extensions.getExtension(extensionId)!.extensionPath, 'dist', 'backend.js');
      const cli = (...args: string[]) => execFileSync(process.execPath, [backendJs, ...args], { cwd: workspace().fsPath, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
      cli('train', file('quick.experiment.json').fsPath);
      cli('sweep', file('sweep.experiment.json').fsPath);
      const run = await until('a CLI run in the tree', () => api.runsTree.getChildren().find((n) => n.kind === 'run' && n.run.status === 'completed'));
      await vscode.commands.executeCommand(Commands.openRun, run.kind === 'run' && run.run.folder);
      await until('the panel to show that run', () => run.kind === 'run' && api.shownRun() === run.run.runId);
      const sweep = await until('a sweep in the tree', () => api.runsTree.getChildren().find((n) => n.kind === 'sweep'));
      await vscode.commands.executeCommand(Commands.compareRuns, sweep);
      const view = await until('the compare panel to be sent the sweep', () => sweep.kind === 'sweep' && api.comparedView()?.sweepFolder === sweep.folder && api.comparedView());
      assert.equal(view.runs.length, 2);
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: '# my derivation\n\n' });
      const editor = await vscode.window.showTextDocument(doc);
      editor.selection = new vscode.Selection(2, 0, 2, 0);
      await vscode.commands.executeCommand(Commands.insertGradcheckBlock);
      assert.match(doc.getText(), /^# my derivation\n\n```gradcheck\n[\s\S]*\n```/);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    });

    test('Run Sweep… trains every member through the backend; the compare panel is sent both, with the setting that differs', async () => {
      const folder = await vscode.commands.executeCommand<string>(Commands.runSweep, file('sweep.experiment.json'));
      assert.ok(folder, 'the sweep started');
      const summary = await until('the sweep to finish', () => {
        const s = JSON.parse(readFileSync(join(folder, 'sweep.json'), 'utf8')) as SweepSummary;
        return s.status !== 'running' && s;
      });
      assert.deepEqual(summary.members.map((m) => m.status), ['completed', 'completed']);
      const view = await until('the compare panel to be sent both finished members', () => {
        const v = api.comparedView();
        return v?.runs.length === 2 && v.runs.every((r) => r.status === 'completed' && r.testAccuracy !== undefined) && v;
      });
      assert.equal(view.sweepFolder, folder);
      assert.deepEqual(view.settings, ['optimizer.learningRate']);
      assert.deepEqual(view.runs.map((r) => r.values['optimizer.learningRate']), [0.01, 0.003]);
      for (const [i, r] of view.runs.entries()) {
        assert.equal(r.epochs.length, 1);
        assert.equal(r.bestValLoss, summary.members[i].bestValLoss);
        assert.ok(r.epochs[0].stepMs > 0 && r.epochs[0].valAccuracy! > 0.3, JSON.stringify(r.epochs[0]));
      }
      // the host saw the members' runs live, as it sees a run started with Train
      assert.ok(summary.members.every((m) => api.store.get(m.runId!)?.status === 'completed'));
      // two runs picked in the tree compare the same way
      await vscode.commands.executeCommand(Commands.compareRuns, view.runs.map((r) => r.folder).reverse());
      const picked = await until('the compare panel to show the picked runs', () => api.comparedView()?.sweepFolder === undefined && api.comparedView());
      assert.deepEqual(picked.runs.map((r) => r.values['optimizer.learningRate']), [0.003, 0.01]);
    });

    test('installing the native CPU engine offline fails with the download it could not make; wasm stays', async function () {
      // offline for certain, whatever this machine can reach: npm (spawned by the extension with this process's env)
      // asks an unreachable registry; a package already in npm's cache then fails on libtensorflow's own download
      const saved = { registry: process.env.npm_config_registry, retries: process.env.npm_config_fetch_retries };
      Object.assign(process.env, { npm_config_registry: 'http://127.0.0.1:9/', npm_config_fetch_retries: '0' });
      let outcome: { ok: boolean; message: string };
      try {
        outcome = (await vscode.commands.executeCommand<{ ok: boolean; message: string }>(Commands.installNativeEngine, 'cpu'))!;
      } finally {
        for (const [key, value] of [['npm_config_registry', saved.registry], ['npm_config_fetch_retries', saved.retries]] as const) {
          if (value === undefined) delete process.env[key];
          else process.env[key] = value;
        }
      }
      assert.equal(outcome.ok, false, outcome.message);
      assert.match(outcome.message, /installing @tensorflow\/tfjs-node failed: the download failed \((ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT) [\w.-]+\)/);
      assert.match(outcome.message, /The wasm engine stays in use/);
      assert.equal((await api.client.engineInfo()).engine, 'wasm');
    });

    test('a fine-tune from VS Code: the base features are computed, the unfreeze phase runs, the report opens in a panel', async () => {
      const runId = await vscode.commands.executeCommand<string>(Commands.trainExperiment, file('finetune.experiment.json'));
      assert.ok(runId, 'a run was started');
      const run = await until('the fine-tune to finish', () => api.store.get(runId)?.status === 'completed' && api.store.get(runId), 300_000);
      const types = run.events.map((e) => e.type);
      assert.ok(types.indexOf('features') > types.indexOf('started') && types.indexOf('phase') > types.indexOf('features'), types.filter((t) => t !== 'batch').join());
      const started = run.events.find((e) => e.type === 'started');
      assert.ok(started?.type === 'started' && started.summary?.base?.cutAt === 'out_relu');
      assert.ok(started.classNames.includes('<b>seven'));
      const finished = run.events.find((e) => e.type === 'finished');
      assert.ok(finished?.type === 'finished');
      assert.equal(typeof finished.bestEpoch, 'number', 'a best epoch was found');
      assert.equal(finished.restoredEpoch, finished.bestEpoch, 'and its checkpoint restored');
      assert.ok(existsSync(join(run.folder, 'report.html')));
      assert.equal(await vscode.commands.executeCommand(Commands.openReport, run.folder), true);
      const tab = await until('the report tab', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === `Report: ${runId}`));
      assert.ok(tab.input instanceof vscode.TabInputWebview);
    });

    test('Show Model Summary builds the fine-tune without training: the base frozen, the new head trainable', async () => {
      const summary = await vscode.commands.executeCommand<{ rows: { name: string; trainable: boolean }[]; base?: { cutAt: string } }>(Commands.showModelSummary, file('finetune.experiment.json'));
      assert.equal(summary.base?.cutAt, 'out_relu');
      assert.equal(summary.rows.find((r) => r.name === 'Conv1')?.trainable, false);
      assert.equal(summary.rows.at(-1)?.trainable, true);
    });

    test('the hover of an initialization claim offers the matching deep network; its link writes that starter', async () => {
      const uri = file('init.md');
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.commands.executeCommand(Commands.checkDerivations, uri);
      const line = document.getText().split('\n').findIndex((l) => l.includes('\\mathrm{Var}(a^{(l+1)}) = \\mathrm{Var}(a^{(l)})'));
      const hovers = await until('the hover of the He + ReLU stack claim', async () => {
        const h = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(line, 4));
        return h.length && h;
      });
      const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
      assert.match(text, /Open "20-layer ReLU, width 32, with He init" to watch its gradients\]\(command:gradientLab\.newExperiment\?/);
      await vscode.commands.executeCommand(Commands.newExperiment, '20-layer ReLU, width 32, with He init');
      await until('the starter written into the workspace', () => existsSync(join(workspace().fsPath, 'relu-width32-he.experiment.json')));
    });

    test('Export as Keras Script… on an experiment writes train_keras.py, its splits and its initial weights beside it', async () => {
      const done = await vscode.commands.executeCommand<{ folder: string; files: string[] } | undefined>(Commands.exportKeras, file('quick.experiment.json'));
      assert.ok(done, 'exported');
      assert.equal(done.folder, join(workspace().fsPath, 'quick-keras'));
      for (const f of ['train_keras.py', 'initial.weights.bin', 'data/train-images.idx.gz', 'data/test-labels.idx.gz']) assert.ok(existsSync(join(done.folder, f)), f);
      assert.match(readFileSync(join(done.folder, 'train_keras.py'), 'utf8'), /keras\.Sequential\(\[/);
    });

    test('Create Image-Folder Dataset writes the digits as PNG folders per class into the workspace', async () => {
      const out = join(workspace().fsPath, 'datasets', 'digits-images');
      const written = await vscode.commands.executeCommand<string>(Commands.createImageFolder, { source: 'embedded-digits', counts: '80 / 20 / 20', out });
      assert.equal(written, out);
      for (const split of ['train', 'validation', 'test']) assert.deepEqual(readdirSync(join(out, split)).sort(), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      assert.equal(readdirSync(join(out, 'train', '3')).length, 8);
    });

    test('an engine setting changed during a run waits for it: the run finishes on its backend, which restarts after', async () => {
      const runId = await vscode.commands.executeCommand<string>(Commands.trainExperiment, file('slow.experiment.json'));
      const pid = api.client.pid!;
      assert.equal(typeof pid, 'number');
      await until('a few steps', () => (api.store.get(runId)?.events.filter((e) => e.type === 'batch').length ?? 0) >= 2);
      const config = vscode.workspace.getConfiguration('gradientLab');
      await config.update('engine', 'wasm', vscode.ConfigurationTarget.Global);
      try {
        const steps = () => api.store.get(runId)?.events.filter((e) => e.type === 'batch').length ?? 0;
        const before = steps();
        await until('the run to go on after the change', () => steps() > before + 1);
        assert.equal(api.client.pid, pid, 'the same backend trains on');
        await vscode.commands.executeCommand(Commands.stopTraining);
        await until('the run to end cancelled', () => api.store.get(runId)?.status === 'cancelled');
        await until('the backend to restart for the new setting once idle', () => api.client.pid !== pid);
      } finally {
        await config.update('engine', undefined, vscode.ConfigurationTarget.Global);
      }
    });

    test('an engine setting changed during a sweep waits for the whole sweep, not its first member: the backend restarts after', async () => {
      const folder = await vscode.commands.executeCommand<string>(Commands.runSweep, file('sweep.experiment.json'));
      assert.ok(folder, 'the sweep started');
      const pid = api.client.pid!;
      const config = vscode.workspace.getConfiguration('gradientLab');
      await config.update('engine', 'wasm', vscode.ConfigurationTarget.Global);
      try {
        await until('the sweep to end', () => !api.store.runningSweep(), 300_000);
        const summary = JSON.parse(readFileSync(join(folder, 'sweep.json'), 'utf8')) as SweepSummary;
        assert.deepEqual(summary.members.map((m) => m.status), ['completed', 'completed'], 'no restart cut a member short');
        await until('the backend to restart for the new setting once the sweep is over', () => api.client.pid !== pid);
      } finally {
        await config.update('engine', undefined, vscode.ConfigurationTarget.Global);
      }
    });

    test('with gradientLab.runsFolder set elsewhere, the runs view refreshes by itself when a run is written there', async () => {
      const backendJs = join(vscode.extensions.getExtension(extensionId)!.extensionPath, 'dist', 'backend.js');
      const config = vscode.workspace.getConfiguration('gradientLab');
      await config.update('runsFolder', 'elsewhere/runs', vscode.ConfigurationTarget.Workspace);
      try {
        let refreshed = false;
        const listener = api.runsTree.onDidChangeTreeData(() => (refreshed = true));
        await new Promise((r) => setTimeout(r, 1500)); // the setting's own refresh comes first
        refreshed = false;
        const runs = join(workspace().fsPath, 'elsewhere', 'runs');
        execFileSync(process.execPath, [backendJs, 'train', file('quick.experiment.json').fsPath, '--runs', runs], { cwd: workspace().fsPath, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
        await until('the tree to refresh after a run in the configured folder', () => refreshed, 30_000);
        listener.dispose();
        assert.ok(api.runsTree.getChildren().some((n) => n.kind === 'run' && n.run.folder.startsWith(runs)), 'the run written there is listed');
      } finally {
        await config.update('runsFolder', undefined, vscode.ConfigurationTarget.Workspace);
      }
    });

    test('killing the backend mid-run marks the run failed with the reason; the next Train starts a fresh backend', async () => {
      const runId = await vscode.commands.executeCommand<string>(Commands.trainExperiment, file('slow.experiment.json'));
      const pid = api.client.pid!;
      assert.equal(typeof pid, 'number', 'the backend runs');
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
      const next = await vscode.commands.executeCommand<string>(Commands.trainExperiment, file('quick.experiment.json'));
      assert.equal(typeof api.client.pid, 'number', 'a backend runs again');
      assert.notEqual(api.client.pid, pid, 'a new backend process');
      await until('the next run to finish', () => api.store.get(next)?.status === 'completed');
    });
  });
}
