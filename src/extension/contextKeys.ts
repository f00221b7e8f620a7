// The `when`-clause context keys the manifest reads: palette entries that cannot act yet stay out of the way.
import * as vscode from 'vscode';

const current = new Map<string, boolean>();

/** Set a context key, only when its value changes (status updates arrive every training step). */
export function setContext(key: 'gradientLab.training' | 'gradientLab.hasRuns', value: boolean): void {
  if (current.get(key) === value) return;
  current.set(key, value);
  void vscode.commands.executeCommand('setContext', key, value);
}
