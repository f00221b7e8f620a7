// Finding and reading experiment files, and showing the backend's verdict on them in the Problems panel.
import * as vscode from 'vscode';
import type { Problem } from '../experiment/validate';

export const experimentGlob = '**/*.experiment.json';

export function isExperiment(uri: vscode.Uri | undefined): uri is vscode.Uri {
  return !!uri && uri.path.endsWith('.experiment.json');
}

/** The experiment to act on: the one given (lens, explorer), the active editor's, or one the user picks. */
export async function pickExperiment(given?: vscode.Uri): Promise<vscode.Uri | undefined> {
  if (isExperiment(given)) return given;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (isExperiment(active)) return active;
  // focus may be in the panel or a closing picker: the one experiment open on screen is the one meant
  const visible = [...new Set(vscode.window.visibleTextEditors.map((e) => e.document.uri).filter(isExperiment).map((u) => u.toString()))];
  if (visible.length === 1) return vscode.Uri.parse(visible[0]);
  const files = await vscode.workspace.findFiles(experimentGlob, '**/node_modules/**', 200);
  if (files.length === 1) return files[0];
  if (!files.length) {
    const create = 'New Experiment…';
    if ((await vscode.window.showWarningMessage('No *.experiment.json file in this workspace.', create)) === create) {
      await vscode.commands.executeCommand('gradientLab.newExperiment');
    }
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(files.map((f) => ({ label: vscode.workspace.asRelativePath(f), uri: f })), { placeHolder: 'Experiment to train' });
  return pick?.uri;
}

export class ExperimentDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('gradient-lab');

  set(uri: vscode.Uri, problems: Problem[]): void {
    this.collection.set(uri, problems.map((p) => {
      const line = Math.max(0, (p.line ?? 1) - 1);
      const col = Math.max(0, (p.column ?? 1) - 1);
      const d = new vscode.Diagnostic(new vscode.Range(line, col, line, Number.MAX_SAFE_INTEGER), `${p.path ? p.path + ': ' : ''}${p.message}`, vscode.DiagnosticSeverity.Error);
      d.source = 'Gradient Lab';
      return d;
    }));
  }

  clear(uri: vscode.Uri): void {
    this.collection.delete(uri);
  }

  dispose(): void {
    this.collection.dispose();
  }
}

/** "▶ Train" above every experiment file, and "▶ Run Sweep" above one with a "sweep". */
export class TrainLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const top = new vscode.Range(0, 0, 0, 0);
    const lenses = [
      new vscode.CodeLens(top, { title: '▶ Train', command: 'gradientLab.trainExperiment', arguments: [document.uri], tooltip: 'Train this experiment once, without its sweep (Gradient Lab)' }),
    ];
    if (/"sweep"\s*:/.test(document.getText())) {
      lenses.push(new vscode.CodeLens(top, { title: '▶ Run Sweep', command: 'gradientLab.runSweep', arguments: [document.uri], tooltip: 'Train every member of this experiment\'s "sweep", one after another (Gradient Lab)' }));
    }
    return lenses;
  }
}
