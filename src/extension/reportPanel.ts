// The test report of a run (report.html, written by the backend) in an editor panel. The page carries its own
// Content-Security-Policy (its one script admitted by hash, images as data: URIs only), so it is shown as it is;
// it reads VS Code's theme variables and falls back to light colours in a browser.
import * as vscode from 'vscode';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export const reportPanelType = 'gradientLab.report';

export class ReportPanel {
  private static readonly open = new Map<string, vscode.WebviewPanel>();

  static show(folder: string): vscode.WebviewPanel | undefined {
    const file = join(folder, 'report.html');
    if (!existsSync(file)) {
      void vscode.window.showInformationMessage(`Gradient Lab: ${basename(folder)} has no test report (report.html is written when a run on an image folder or a fine-tune completes).`);
      return undefined;
    }
    const existing = ReportPanel.open.get(folder);
    if (existing) {
      existing.webview.html = readFileSync(file, 'utf8');
      existing.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(reportPanelType, `Report: ${basename(folder)}`, vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [] });
    ReportPanel.restore(panel, folder);
    return panel;
  }

  static restore(panel: vscode.WebviewPanel, folder: string): void {
    const file = join(folder, 'report.html');
    panel.webview.html = existsSync(file) ? readFileSync(file, 'utf8') : `<p>${folder}: report.html is gone.</p>`;
    ReportPanel.open.set(folder, panel);
    panel.onDidDispose(() => ReportPanel.open.delete(folder));
  }

  static folderOf(panel: vscode.WebviewPanel): string | undefined {
    return [...ReportPanel.open].find(([, p]) => p === panel)?.[0];
  }
}
