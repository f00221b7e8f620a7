// What the training and compare panels share: their page (a nonce CSP, the stylesheet, one script bundle) and
// saving a chart the webview drew as charts/<file>.png in a run's or sweep's folder.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri, options: { title: string; script: string; bodyClass?: string }): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...path));
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${webview.cspSource} data:; style-src ${webview.cspSource}; font-src ${webview.cspSource}; script-src 'nonce-${nonce}';">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${asset('media', 'panels.css')}">
  <title>${options.title}</title>
</head>
<body${options.bodyClass ? ` class="${options.bodyClass}"` : ''}>
  <div id="app"></div>
  <script nonce="${nonce}" src="${asset('dist', 'webview', options.script)}"></script>
</body>
</html>`;
}

/** A PNG data URL from a webview, written as <folder>/charts/<file>.png (names the webview made up are refused). */
export async function saveChartPng(folder: string | undefined, file: string, dataUrl: string): Promise<vscode.Uri | undefined> {
  const png = /^data:image\/png;base64,(.+)$/.exec(dataUrl)?.[1];
  if (!folder || !png || !/^[a-z0-9-]+$/.test(file)) return undefined;
  const target = vscode.Uri.joinPath(vscode.Uri.file(folder), 'charts', `${file}.png`);
  await vscode.workspace.fs.writeFile(target, Buffer.from(png, 'base64'));
  return target;
}
