// gradient-lab: the training backend. `serve` speaks JSON-RPC to the VS Code extension; the other commands are
// the same jobs for a terminal.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { formatEngineReport } from '../native/engineReport';
import { surveyEngines } from './engines/engineLoad';
import { nativeBuild, nativeSetup } from './cli/nativeBuild';
import { AddonBuildError } from '../native/addonBuild';
import { TensorFlowInstallError } from '../native/tensorflowInstall';
import { DataError } from './data/idxReader';
import { EngineUnavailableError } from './engines/engineSelect';
import { ExperimentError, parseExperimentText } from '../experiment/validate';
import { startSweep } from './jobs/sweep';
import { differingSettings } from '../runs/compareRuns';
import { writeCsv, writeTensorBoard } from './jobs/exports';
import type { RunSummary } from '../protocol/runEvents';
import { progressPrinter } from './cli/progress';
import { startRun } from './jobs/trainRun';
import { evaluateCheckpoints, modelSummary, writeImageFolderFrom } from './jobs/datasetTools';
import type { DownloadReport } from './models/modelSource';
import { formatModelSummary } from '../runs/summaryText';
import { gradientProfile } from './jobs/gradientProfile';
import { listRuns, readRunJson, readSummary, RunFolderError } from '../runs/runFolder';
import { recoverInterrupted } from './jobs/interrupted';
import { checkMarkdown } from './gradcheck/checkFile';
import { serve } from './server';
import { exportKeras } from './export/kerasExport';

const usage = `gradient-lab — train and inspect neural networks (TensorFlow.js)

usage:
  gradient-lab train FILE.experiment.json [--epochs N] [--engine gpu|cpu|wasm|js] [--runs DIR] [--json] [--allow-outside-workspace]
  gradient-lab finetune FILE.experiment.json [--epochs N] [--json]   the same as train, for experiments with a "base"
  gradient-lab summary FILE.experiment.json [--json]   the model layer by layer: output shapes, parameters, frozen or not
  gradient-lab image-folder (--digits | --idx DIR) --out DIR [--train N] [--validation N] [--test N]
                                       write a dataset as train/ validation/ test/ <class>/*.png
  gradient-lab evaluate RUN_FOLDER [--engine E] [--json]   the run's best and last checkpoints, loaded from disk, on its test set
  gradient-lab sweep FILE.experiment.json [--epochs N] [--json]   one run per combination of its "sweep" grid
  gradient-lab compare RUN_FOLDER... [--json]   runs side by side, with the settings that differ
  gradient-lab export RUN_FOLDER... [--csv] [--tensorboard]   metrics.csv / a TensorBoard event file (both by default)
  gradient-lab export-keras FILE.experiment.json [--out DIR] [--weights RUN_FOLDER] [--json]
                                       a runnable Keras script (train_keras.py) with the experiment's exact splits and
                                       initial weights; --weights adds a run's trained weights (→ .keras)
  gradient-lab engines [--json]        which engines load here, and why the others do not
  gradient-lab native-setup [--python PY] [--force]   the native engine: the TensorFlow found here (else pip's
                                       tensorflow-cpu into .cache/python/venv), and the addon built against it
  gradient-lab native-build [--tensorflow DIR] [--out DIR] [--force]   only the addon, against DIR or the one found
  gradient-lab runs [--runs DIR] [--json]
  gradient-lab check FILE.md [--json]  gradient-check the backprop derivations in a Markdown file
  gradient-lab gradients FILE.experiment.json [--json]   per-layer gradient norms of one batch, no training
  gradient-lab serve                   JSON-RPC over stdio (used by the VS Code extension)

The runs folder defaults to .gradient-lab/runs under the current directory. training.saveModel writes only inside
the current directory or the experiment's folder, unless --allow-outside-workspace is given.
GRADIENT_LAB_ENGINE=gpu|cpu|wasm|js forces an engine. GRADIENT_LAB_TENSORFLOW=DIR names the TensorFlow the native
engine uses (a site-packages, its tensorflow folder, or a libtensorflow folder); GRADIENT_LAB_PYTHON the Python asked for one.`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`${name} needs a value`);
  return value;
}

class UsageError extends Error {}

/** Errors whose message already tells the user what is wrong and where: no stack, no "internal". */
function isUserError(e: unknown): e is Error {
  if (e instanceof ExperimentError || e instanceof DataError || e instanceof EngineUnavailableError || e instanceof RunFolderError || e instanceof AddonBuildError || e instanceof TensorFlowInstallError) return true;
  // the file system's own refusals name the path: a full disk, a read-only folder, a missing file
  return ['ENOSPC', 'EROFS', 'EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'EISDIR', 'EDQUOT', 'EMFILE'].includes((e as NodeJS.ErrnoException)?.code ?? '');
}

/** The command's file argument (the first that is not an option or an option's value), read as text. */
function inputFile(args: string[], command: string, what: string): { path: string; text: string } {
  const file = args.find((a, i) => !a.startsWith('--') && !['--epochs', '--engine', '--runs', '--model-cache'].includes(args[i - 1]));
  if (!file) throw new UsageError(`${command} needs ${what}`);
  const path = resolve(file);
  try {
    return { path, text: readFileSync(path, 'utf8') };
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function epochsOption(args: string[]): number | undefined {
  const value = option(args, '--epochs');
  const epochs = value === undefined ? undefined : Number(value);
  if (epochs !== undefined && !(Number.isInteger(epochs) && epochs > 0)) throw new UsageError(`--epochs must be a whole number ≥ 1, got ${value}`);
  return epochs;
}

/** What a reader closing our output (`| head`) or a signal stops: the run or sweep in progress. */
let stopWork: (() => void) | undefined;

/**
 * Ctrl-C, SIGTERM and SIGHUP cancel after the current step (the run or sweep is kept, its summary written); a second
 * Ctrl-C stops at once.
 */
function cancelOnInterrupt(cancel: () => void, what: string): void {
  let interrupts = 0;
  stopWork = cancel;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (++interrupts > 1 && signal === 'SIGINT') process.exit(130);
      if (interrupts === 1) process.stderr.write(`\ncancelling ${what} after this step… ${signal === 'SIGINT' ? '(Ctrl-C again to stop at once)' : `(${signal})`}\n`);
      cancel();
    });
  }
}

// A reader that stops reading (`gradient-lab sweep … | head`): no more output, the work stops as on Ctrl-C.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  stopWork?.();
});

/** Preparation progress (a base's download, images read, features computed) on stderr, one line at a time. */
function preparing(json: boolean): DownloadReport {
  return (message) => {
    if (!json) process.stderr.write(process.stderr.isTTY ? `\r\x1b[K${message}` : `${message}\n`);
  };
}

async function train(args: string[], command = 'train'): Promise<number> {
  const { path, text } = inputFile(args, command, 'an experiment file');
  const epochs = epochsOption(args);
  const json = args.includes('--json');
  const print = progressPrinter(json ? 'json' : process.stdout.isTTY ? 'tty' : 'plain');
  if (command === 'finetune' && !parseExperimentText(text, path).experiment.base) throw new UsageError(`${path} has no "base": finetune needs a pretrained base (use train for other experiments)`);
  const handle = await startRun(
    {
      experiment: text, experimentPath: path, runsFolder: runsFolder(args), overrides: { epochs },
      engine: { value: option(args, '--engine'), from: '--engine' }, modelCache: option(args, '--model-cache'), onProgress: preparing(json),
      workspace: process.cwd(), allowOutside: args.includes('--allow-outside-workspace'),
    },
    print,
  );
  cancelOnInterrupt(() => handle.cancel(), 'the run');
  const summary = await handle.done;
  return summary.status === 'completed' ? 0 : summary.status === 'cancelled' ? 130 : 1;
}

async function sweep(args: string[]): Promise<number> {
  const { path, text } = inputFile(args, 'sweep', 'an experiment file with a "sweep" grid');
  const { experiment } = parseExperimentText(text, path);
  const epochs = epochsOption(args);
  const json = args.includes('--json');
  const print = progressPrinter(json ? 'json' : process.stdout.isTTY ? 'tty' : 'plain');
  let shown = -1;
  const handle = startSweep(
    { experiment, experimentPath: path, runsFolder: runsFolder(args), overrides: { epochs }, engine: { value: option(args, '--engine'), from: '--engine' }, workspace: process.cwd(), allowOutside: args.includes('--allow-outside-workspace') },
    (e, member) => {
      if (!json && member !== shown) {
        shown = member;
        process.stdout.write(`\n── sweep member ${member + 1}: ${e.type === 'started' ? e.experiment.name : ''}\n`);
      }
      print(e);
    },
  );
  cancelOnInterrupt(() => handle.cancel(), 'the sweep');
  const summary = await handle.done;
  if (!json) {
    process.stdout.write(`\nsweep ${summary.status}: ${handle.folder}\n`);
    for (const m of summary.members) {
      const values = Object.entries(m.values).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('  ');
      const acc = m.testAccuracy === undefined ? '' : `  test acc ${(100 * m.testAccuracy).toFixed(2)}%`;
      process.stdout.write(`${m.runId && m.runId === summary.best ? '★' : ' '} ${values.padEnd(50)} ${m.status.padEnd(11)} ${m.bestValLoss === undefined ? '' : `best val loss ${m.bestValLoss.toFixed(4)}`}${acc}\n`);
    }
  } else process.stdout.write(JSON.stringify({ type: 'sweep', folder: handle.folder, ...summary }) + '\n');
  return summary.status === 'cancelled' ? 130 : summary.members.every((m) => m.status === 'completed') ? 0 : 1;
}

function exportRuns(args: string[]): number {
  const folders = args.filter((a) => !a.startsWith('--')).map((f) => resolve(f));
  if (!folders.length) throw new UsageError('export needs one or more run folders');
  const both = !args.includes('--csv') && !args.includes('--tensorboard');
  for (const folder of folders) {
    if (!existsSync(join(folder, 'metrics.jsonl'))) throw new UsageError(`${folder} is not a run folder (no metrics.jsonl)`);
    if (both || args.includes('--csv')) process.stdout.write(`${writeCsv(folder)}\n`);
    if (both || args.includes('--tensorboard')) process.stdout.write(`${writeTensorBoard(folder)}\n`);
  }
  return 0;
}

function compare(args: string[]): number {
  const folders = args.filter((a) => !a.startsWith('--')).map((f) => resolve(f));
  if (folders.length < 2) throw new UsageError('compare needs two or more run folders');
  const rows = folders.map((folder) => {
    const experiment = readRunJson<Record<string, unknown>>(join(folder, 'experiment.json'));
    if (!experiment) throw new UsageError(`${folder} is not a run folder (no experiment.json)`);
    let summary: RunSummary | undefined;
    let damaged = false;
    try {
      summary = readSummary(folder);
    } catch (e) {
      damaged = true; // shown as such; the other runs still compare
      process.stderr.write(`gradient-lab: ${(e as Error).message}\n`);
    }
    return { folder, experiment, summary, damaged };
  });
  const { settings: keys, flat } = differingSettings(rows.map((r) => r.experiment));
  if (args.includes('--json')) {
    process.stdout.write(JSON.stringify(rows.map((r, i) => ({ folder: r.folder, differing: Object.fromEntries(keys.map((k) => [k, flat[i][k]])), summary: r.summary })), null, 2) + '\n');
    return 0;
  }
  const header = ['run', ...keys, 'status', 'best val loss', 'test acc', 'seconds'];
  const table = rows.map((r, i) => [
    basename(r.folder), ...keys.map((k) => flat[i][k] ?? '–'), r.summary?.status ?? (r.damaged ? 'damaged' : 'incomplete'),
    typeof r.summary?.bestValLoss === 'number' ? r.summary.bestValLoss.toFixed(4) : '–', typeof r.summary?.testAccuracy !== 'number' ? '–' : `${(100 * r.summary.testAccuracy).toFixed(2)}%`, typeof r.summary?.seconds === 'number' ? r.summary.seconds.toFixed(0) : '–',
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => String(row[c]).length)));
  for (const row of [header, ...table]) process.stdout.write(row.map((v, c) => String(v).padEnd(widths[c])).join('  ') + '\n');
  return 0;
}

/** {a: {b: 1}} → {'a.b': '1'}: the settings of an experiment as comparable strings. */
async function engines(args: string[]): Promise<number> {
  const info = await surveyEngines();
  process.stdout.write(args.includes('--json') ? JSON.stringify(info, null, 2) + '\n' : `TensorFlow.js ${info.tfjsVersion}\n${formatEngineReport(info)}\n`);
  return 0;
}

function check(args: string[]): number {
  const { path, text } = inputFile(args, 'check', 'a Markdown file');
  const file = relative(process.cwd(), path) || path;
  const t0 = performance.now();
  const results = checkMarkdown(text);
  const ms = performance.now() - t0;
  if (args.includes('--json')) {
    process.stdout.write(JSON.stringify(results.map((r) => ({ line: r.line, column: r.column, latex: r.latex, verdict: r.verdict, message: r.message, sides: r.sides, warnings: r.warnings })), null, 2) + '\n');
  } else {
    for (const r of results) process.stdout.write(`${file}:${r.line}:${r.column} ${r.message}\n`);
    const count = (v: string) => results.filter((r) => r.verdict === v).length;
    process.stdout.write(`${results.length} claims: ${count('pass')} pass, ${count('fail')} fail, ${count('inconclusive')} inconclusive, ${count('parse-error')} cannot parse — ${ms.toFixed(0)} ms\n`);
  }
  return results.length && results.every((r) => r.verdict === 'pass') ? 0 : 1;
}

async function gradients(args: string[]): Promise<number> {
  const { path, text } = inputFile(args, 'gradients', 'an experiment file');
  const profile = await gradientProfile({ experiment: text, experimentPath: path, runsFolder: '', engine: { value: option(args, '--engine'), from: '--engine' } });
  if (args.includes('--json')) {
    process.stdout.write(JSON.stringify(profile, null, 2) + '\n');
    return 0;
  }
  process.stdout.write(`one batch of ${profile.batchSize} on ${profile.engine}, loss ${profile.loss.toFixed(4)}\n`);
  process.stdout.write(`${'layer'.padEnd(14)}${'activation'.padEnd(12)}${'|∇W|'.padStart(11)}${'mean|∇W|'.padStart(11)}${'|∇b|'.padStart(11)}  dead\n`);
  for (const l of profile.layers) {
    const e = (x: number) => x.toExponential(2).padStart(11);
    process.stdout.write(`${l.name.padEnd(14)}${l.activation.padEnd(12)}${e(l.weightNorm)}${e(l.weightMeanAbs)}${e(l.biasNorm)}  ${l.deadFraction === undefined ? '' : `${(100 * l.deadFraction).toFixed(0)}%`}\n`);
  }
  const [first, last] = [profile.layers[0], profile.layers.at(-1)!];
  process.stdout.write(`first ÷ last layer weight-gradient norm: ${(first.weightNorm / last.weightNorm).toExponential(2)}\n`);
  return 0;
}

async function summary(args: string[]): Promise<number> {
  const { path, text } = inputFile(args, 'summary', 'an experiment file');
  const s = await modelSummary({ experiment: text, experimentPath: path, runsFolder: '', modelCache: option(args, '--model-cache'), onProgress: preparing(args.includes('--json')) });
  if (args.includes('--json')) {
    process.stdout.write(JSON.stringify(s, null, 2) + '\n');
    return 0;
  }
  process.stdout.write(formatModelSummary(s) + '\n');
  return 0;
}

async function imageFolder(args: string[]): Promise<number> {
  const out = option(args, '--out');
  if (!out) throw new UsageError('image-folder needs --out DIR');
  const idx = option(args, '--idx');
  if (!idx && !args.includes('--digits')) throw new UsageError('image-folder needs --digits (the embedded MNIST digits) or --idx DIR (a folder of IDX files)');
  const count = (name: string) => {
    const v = option(args, name);
    if (v !== undefined && !(Number.isInteger(Number(v)) && Number(v) >= 0)) throw new UsageError(`${name} must be a whole number, got ${v}`);
    return v === undefined ? undefined : Number(v);
  };
  const r = await writeImageFolderFrom({ source: idx ? 'idx-folder' : 'embedded-digits', path: idx && resolve(idx), out: resolve(out), counts: { train: count('--train'), validation: count('--validation'), test: count('--test') } }, preparing(false));
  process.stderr.write('\n');
  process.stdout.write(`${r.out}: ${r.written.train} train, ${r.written.validation} validation, ${r.written.test} test images in ${r.classNames.length} classes\n`);
  return 0;
}

async function evaluateRun(args: string[]): Promise<number> {
  const folder = args.find((a) => !a.startsWith('--'));
  if (!folder) throw new UsageError('evaluate needs a run folder');
  if (!existsSync(join(resolve(folder), 'experiment.json'))) throw new UsageError(`${folder} is not a run folder (no experiment.json)`);
  const r = await evaluateCheckpoints(resolve(folder), { value: option(args, '--engine'), from: '--engine' });
  if (args.includes('--json')) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  else for (const [name, e] of Object.entries(r)) process.stdout.write(`${name.padEnd(5)} checkpoint (epoch ${e.epoch}, step ${e.step}): test loss ${e.loss.toFixed(4)}, accuracy ${(100 * e.accuracy).toFixed(2)}%\n`);
  return Object.keys(r).length ? 0 : 1;
}

/** The runs folder a command works in (--runs, else .gradient-lab/runs here), with interrupted runs closed first. */
function runsFolder(args: string[]): string {
  const folder = resolve(option(args, '--runs') ?? '.gradient-lab/runs');
  recoverInterrupted(folder);
  return folder;
}

function runs(args: string[]): number {
  const list = listRuns(runsFolder(args));
  if (args.includes('--json')) {
    process.stdout.write(JSON.stringify(list, null, 2) + '\n');
    return 0;
  }
  if (!list.length) process.stdout.write('no runs yet\n');
  for (const r of list) {
    const acc = r.testAccuracy === undefined ? '' : ` test acc ${(100 * r.testAccuracy).toFixed(2)}%`;
    const seconds = typeof r.seconds === 'number' && r.seconds ? `  ${r.seconds.toFixed(0)} s` : '';
    process.stdout.write(`${r.runId}  ${r.status.padEnd(10)} ${(r.engine ?? '').padEnd(4)}${typeof r.testAccuracy === 'number' ? acc : ''}${seconds}  ${r.name}${r.problem ? `  (${r.problem})` : ''}\n`);
  }
  return 0;
}

async function exportKerasCommand(args: string[]): Promise<number> {
  const file = args.find((a, i) => !a.startsWith('--') && !['--out', '--weights'].includes(args[i - 1]));
  if (!file) throw new UsageError('export-keras needs FILE.experiment.json');
  const done = await exportKeras(file, { out: option(args, '--out'), weightsFrom: option(args, '--weights') });
  if (args.includes('--json')) {
    process.stdout.write(JSON.stringify(done, null, 2) + '\n');
    return 0;
  }
  process.stdout.write(`wrote ${done.folder}/ (${done.files.length} files): run  python ${join(done.folder, 'train_keras.py')}\n`);
  for (const note of done.notes) process.stdout.write(`note: ${note}\n`);
  return 0;
}

const commands: Record<string, (args: string[]) => number | Promise<number>> = {
  train, engines, runs, check, gradients, sweep, compare, export: exportRuns, summary, 'image-folder': imageFolder, evaluate: evaluateRun,
  'export-keras': exportKerasCommand,
  finetune: (args) => train(args, 'finetune'),
  'native-build': (args) => nativeBuild({ tensorflow: option(args, '--tensorflow'), out: option(args, '--out'), force: args.includes('--force') }),
  'native-setup': (args) => nativeSetup({ python: option(args, '--python'), force: args.includes('--force') }),
  serve: () => {
    serve();
    return new Promise<number>(() => undefined); // runs until stdin closes
  },
};

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage + '\n');
    return command === undefined ? 2 : 0;
  }
  const run = commands[command];
  if (!run) throw new UsageError(`unknown command '${command}'`);
  return run(args);
}

/** Exit once stdout and stderr have taken everything written (a pipe takes 64 KiB at a time). */
function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/** An error we did not expect: one line for the user, the stack in a log file they can attach to a report. */
function internalError(e: unknown): string {
  const log = join(tmpdir(), `gradient-lab-error-${process.pid}.log`);
  try {
    writeFileSync(log, `${new Date().toISOString()} gradient-lab ${process.argv.slice(2).join(' ')}\n${(e as Error)?.stack ?? String(e)}\n`);
    return `internal error: ${(e as Error)?.message ?? e} (details in ${log})`;
  } catch {
    return `internal error: ${(e as Error)?.message ?? e}`;
  }
}

main(process.argv.slice(2)).then(exitWhenFlushed, (e) => {
  if (e instanceof UsageError) process.stderr.write(`gradient-lab: ${e.message}\n\n${usage}\n`);
  else if (isUserError(e)) process.stderr.write(`gradient-lab: ${e.message}\n`);
  else process.stderr.write(`gradient-lab: ${internalError(e)}\n`);
  exitWhenFlushed(e instanceof UsageError ? 2 : 1);
});
