// Gradient Lab's settings, typed and read in one place: the runs folder (and the watcher pattern derived from it),
// the engine and runtime settings that need a fresh backend, and the derivation checks on save.
import * as vscode from 'vscode';
import { isAbsolute, join } from 'node:path';
import { defaultRunsFolder, runFilesGlob } from '../runs/runsFolder';

const section = 'gradientLab';

export type EngineSetting = 'auto' | 'gpu' | 'cpu' | 'wasm' | 'js';

/** Settings a running backend cannot take: applied by a restart, now or when the current run or sweep ends. */
export const restartSettings = ['engine', 'nodePath', 'tensorflowPath'] as const;

export function config(scope?: vscode.Uri) {
  const c = vscode.workspace.getConfiguration(section, scope);
  return {
    /** As written: absolute, or relative to the workspace folder. */
    runsFolder: c.get<string>('runsFolder') || defaultRunsFolder,
    engine: c.get<EngineSetting>('engine') ?? 'auto',
    nodePath: c.get<string>('nodePath') || undefined,
    tensorflowPath: c.get<string>('tensorflowPath') || undefined,
    checkDerivationsOnSave: c.get<boolean>('checkDerivationsOnSave', true),
  };
}

/** Sets gradientLab.tensorflowPath for the user (a TensorFlow found in a Python environment). */
export function setTensorflowPath(dir: string): Thenable<void> {
  return vscode.workspace.getConfiguration(section).update('tensorflowPath', dir, vscode.ConfigurationTarget.Global);
}

/** The workspace folder that holds the file (else the first one, else the file's own folder). */
export function workspaceFor(uri: vscode.Uri): string {
  return vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? join(uri.fsPath, '..');
}

/** The runs folder for a file in the workspace, as an absolute path. */
export function runsFolderFor(uri: vscode.Uri): string {
  const configured = config(uri).runsFolder;
  return isAbsolute(configured) ? configured : join(workspaceFor(uri), configured);
}

/** The first workspace folder's runs folder, if a folder is open. */
export function workspaceRunsFolder(): string | undefined {
  const root = vscode.workspace.workspaceFolders?.[0];
  return root ? runsFolderFor(vscode.Uri.joinPath(root.uri, 'x')) : undefined;
}

/** What the runs view watches: the configured runs folder's run files, wherever that folder is. */
export function runsWatchPattern(): vscode.GlobPattern {
  const root = vscode.workspace.workspaceFolders?.[0];
  const configured = config(root?.uri).runsFolder.replace(/\\/g, '/').replace(/\/+$/, '');
  if (isAbsolute(configured)) return new vscode.RelativePattern(vscode.Uri.file(configured), `**/${runFilesGlob}`);
  return root ? new vscode.RelativePattern(root, `${configured}/**/${runFilesGlob}`) : `**/${configured}/**/${runFilesGlob}`;
}

export function affectsRestart(e: vscode.ConfigurationChangeEvent): boolean {
  return restartSettings.some((k) => e.affectsConfiguration(`${section}.${k}`));
}

export function affectsRunsFolder(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(`${section}.runsFolder`);
}
