// The test report of a run (report.html, written by the backend) in an editor panel. The page carries its own
// Content-Security-Policy (its one script admitted by hash, images as data: URIs only), so it is shown as it is;
// it reads VS Code's theme variables and falls back to light colours in a browser. Which folder a panel shows is
// the host's own record (by panel title, in the workspace's state), so a reload brings each report back.
import * as vscode from 'vscode';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export const reportPanelType = 'gradientLab.report';
const recordKey = 'gradientLab.reportPanels';

export class ReportPanel {
  private static readonly open = new Map<string, vscode.WebviewPanel>();

  static show(folder: string, context: vscode.ExtensionContext): vscode.WebviewPanel | undefined {
    if (!existsSync(join(folder, 'report.html'))) {
      void vscode.window.showInformationMessage(`Gradient Lab: ${basename(folder)} has no test report (report.html is written when a run on an image folder or a fine-tune completes).`);
      return undefined;
    }
    const existing = ReportPanel.open.get(folder);
    if (existing) {
      ReportPanel.fill(existing, folder);
      existing.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(reportPanelType, `Report: ${basename(folder)}`, vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [] });
    void context.workspaceState.update(recordKey, { ...ReportPanel.record(context), [panel.title]: folder });
    ReportPanel.attach(panel, folder);
    return panel;
  }

  /** After a reload: the folder this panel showed, from the host's record. */
  static restore(panel: vscode.WebviewPanel, context: vscode.ExtensionContext): void {
    const folder = ReportPanel.record(context)[panel.title];
    if (folder) ReportPanel.attach(panel, folder);
    else panel.dispose();
  }

  private static record(context: vscode.ExtensionContext): Record<string, string> {
    return context.workspaceState.get<Record<string, string>>(recordKey) ?? {};
  }

  private static attach(panel: vscode.WebviewPanel, folder: string): void {
    ReportPanel.fill(panel, folder);
    ReportPanel.open.set(folder, panel);
    panel.onDidDispose(() => ReportPanel.open.delete(folder));
  }

  private static fill(panel: vscode.WebviewPanel, folder: string): void {
    const file = join(folder, 'report.html');
    panel.webview.html = existsSync(file) ? readFileSync(file, 'utf8') : `<p>${folder}: report.html is gone.</p>`;
  }
}
