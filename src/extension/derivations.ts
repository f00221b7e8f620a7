// Derivation checks in Markdown: a lens above each claim (✓ / ✗ / ⚠ with the numbers), failures in the Problems
// panel at their exact range, a hover with each side's value per draw. The checks run in the backend process;
// results arrive claim by claim, and results for an older version of the document are dropped.
import * as vscode from 'vscode';
import { Commands } from './commandIds';
import { config } from './config';
import type { GradcheckResult } from '../protocol/gradcheck';
import { type BackendClient } from './backendClient';
import { VerdictMarks } from './verdictMarks';

interface Entry {
  version: number;
  results: GradcheckResult[];
  suggestedBlock?: string;
  done: boolean;
}

/** Cheap test in the host, so ordinary Markdown never starts the backend. */
export function mayHaveClaims(text: string): boolean {
  return /```gradcheck/.test(text) || /\$[^$\n]*=[^$\n]*\$/.test(text) || /\$\$[\s\S]*?=[\s\S]*?\$\$/.test(text);
}

const range = (r: GradcheckResult) => new vscode.Range(r.line - 1, Math.max(0, r.column - 1), Math.max(r.line, r.endLine) - 1, Math.max(0, r.endColumn - 1));

export class DerivationChecks implements vscode.CodeLensProvider, vscode.HoverProvider, vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('gradient-lab-derivations');
  private readonly disposables: vscode.Disposable[] = [];
  private redraw: NodeJS.Timeout | undefined;
  private readonly marks = new VerdictMarks();

  constructor(private readonly client: BackendClient, private readonly log: vscode.OutputChannel) {
    this.disposables.push(
      client.onGradcheckResult(({ uri, version, result }) => {
        const entry = this.entries.get(uri);
        if (!entry || entry.version !== version || entry.done) return; // stale
        entry.results.push(result);
        this.scheduleRedraw();
      }),
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (d.languageId === 'markdown' && config(d.uri).checkDerivationsOnSave) void this.check(d);
      }),
      this.changed.event(() => this.marks.update((uri) => this.results(uri))),
      vscode.window.onDidChangeVisibleTextEditors(() => this.marks.update((uri) => this.results(uri))),
      this.marks,
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.entries.delete(d.uri.toString());
        this.diagnostics.delete(d.uri);
      }),
    );
  }

  private scheduleRedraw(): void {
    this.redraw ??= setTimeout(() => {
      this.redraw = undefined;
      this.changed.fire();
    }, 30);
  }

  /** Check a document (again); resolves with its results when the backend has answered. */
  async check(document: vscode.TextDocument): Promise<Entry | undefined> {
    const uri = document.uri.toString();
    const text = document.getText();
    if (!mayHaveClaims(text)) {
      this.entries.delete(uri);
      this.diagnostics.delete(document.uri);
      return undefined;
    }
    const entry: Entry = { version: document.version, results: [], done: false };
    this.entries.set(uri, entry);
    try {
      const answer = await this.client.checkDerivations({ uri, version: document.version, text });
      if (this.entries.get(uri) !== entry) return undefined; // a newer check replaced this one
      entry.results = answer.results;
      entry.suggestedBlock = answer.suggestedBlock;
      entry.done = true;
      this.log.appendLine(`checked ${vscode.workspace.asRelativePath(document.uri)}: ${answer.results.length} claims in ${answer.ms.toFixed(0)} ms`);
    } catch (e) {
      entry.done = true;
      this.log.appendLine(`derivation check failed: ${(e as Error).message}`);
    }
    // only math that was read, evaluated and is wrong is an error; what could not be checked is a hint
    this.diagnostics.set(document.uri, entry.results.filter((r) => r.verdict !== 'pass').map((r) => {
      const d = new vscode.Diagnostic(range(r), r.message.replace(/^[✗⚠∅]\s*/, ''), r.verdict === 'fail' ? vscode.DiagnosticSeverity.Error : r.verdict === 'parse-error' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Hint);
      d.source = 'Gradient Lab';
      return d;
    }));
    this.changed.fire();
    return entry;
  }

  results(uri: vscode.Uri): GradcheckResult[] {
    return this.entries.get(uri.toString())?.results ?? [];
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const entry = this.entries.get(document.uri.toString());
    if (!entry || entry.version !== document.version) {
      if (mayHaveClaims(document.getText())) void this.check(document);
      return [];
    }
    const lenses = entry.results.map((r) => new vscode.CodeLens(range(r), {
      title: r.message.length > 140 ? `${r.message.slice(0, 137)}…` : r.message,
      tooltip: `${r.message}\n\nClick for every draw's numbers.`,
      command: 'gradientLab.showDerivationResult',
      arguments: [document.uri, r.line, r.column],
    }));
    if (entry.suggestedBlock) {
      lenses.unshift(new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), { title: '$(symbol-structure) Declare network…', command: 'gradientLab.declareNetwork', arguments: [document.uri], tooltip: 'Insert a gradcheck block guessed from the indices your math uses' }));
    }
    return lenses;
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const r = this.results(document.uri).find((x) => range(x).contains(position));
    if (!r) return undefined;
    const md = new vscode.MarkdownString();
    md.appendText(r.message);
    if (r.perDraw.length) {
      md.appendMarkdown(`\n\n| draw | ${r.perDraw[0].map((_, i) => `side ${i + 1}`).join(' | ')} |\n|---|${r.perDraw[0].map(() => '---').join('|')}|\n`);
      r.perDraw.forEach((values, d) => md.appendMarkdown(`| ${d + 1} | ${values.map((v) => v.toPrecision(6)).join(' | ')} |\n`));
    }
    for (const w of r.warnings) md.appendMarkdown(`\n\n⚠ ${w.replace(/[\\`*_{}[\]()#+\-.!|]/g, '\\$&')}`);
    // base64: a data URI with spaces or quotes in it is not drawn
    if (r.picture) md.appendMarkdown(`\n\n![${r.picture.caption.replace(/[[\]]/g, '')}](data:image/svg+xml;base64,${Buffer.from(r.picture.svg).toString('base64')})`);
    // an initialization claim about a deep stack: the vanishing-gradient lab has the matching network to train
    const starter = deepStarterFor(r.message);
    if (starter) {
      md.isTrusted = { enabledCommands: [Commands.newExperiment] };
      md.appendMarkdown(`\n\n[$(beaker) Open "${starter}" to watch its gradients](command:${Commands.newExperiment}?${encodeURIComponent(JSON.stringify([starter]))})`);
      md.supportThemeIcons = true;
    }
    return new vscode.Hover(md, range(r));
  }

  suggestedBlock(uri: vscode.Uri): string | undefined {
    return this.entries.get(uri.toString())?.suggestedBlock;
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.diagnostics.dispose();
    this.changed.dispose();
  }
}

export const gradcheckTemplate = [
  '```gradcheck',
  'network: 3-4-4-1      # units per layer, layer 1 = inputs; or "chain 153"',
  'hidden: logistic      # logistic | tanh | relu | softplus | identity',
  'output: identity',
  'loss: squared         # E_n = 1/2 (y - t_n)^2; or cross-entropy (softmax output)',
  'weights: -1..1',
  '```',
  '',
].join('\n');

/** The deep-mlp starter that matches a sampled initialization claim's stack ("(relu, he; sampled …)"). */
function deepStarterFor(message: string): string | undefined {
  const m = /in a stack of \d+ layers of \d+ units \((\w+), (\w+)/.exec(message);
  if (!m) return undefined;
  const [, activation, scheme] = m;
  if (activation === 'relu' && scheme === 'he') return '20-layer ReLU, width 32, with He init';
  if (scheme === 'xavier') return '20-layer sigmoid, fully connected width 32';
  return undefined;
}
