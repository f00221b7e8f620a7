// What the training and compare panels have in common, as vscode-pull-request-github's WebviewBase does it: one
// panel of each kind at a time, its options and page, the 'ready' handshake (nothing is posted before it), a
// snapshot whenever the page asks or becomes visible again (a hidden page may have been discarded), sends at most
// every `debounceMs`, and what it shows remembered by the host, so a window reload restores it.
import * as vscode from 'vscode';
import { panelHtml } from './webviewAssets';

export interface PanelPage {
  viewType: string;
  title: string;
  /** The page's script in dist/webview/. */
  script: string;
  bodyClass?: string;
  /** The workspace-state key under which the host remembers what the panel shows. */
  stateKey: string;
  debounceMs: number;
}

/** A page's own messages besides 'ready'. */
type FromPage<In> = Exclude<In, { type: 'ready' }>;

export abstract class PanelBase<Out, In extends { type: string }, Shown> implements vscode.Disposable {
  private ready = false;
  private timer: NodeJS.Timeout | undefined;
  protected readonly disposables: vscode.Disposable[] = [];

  static options(context: vscode.ExtensionContext): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(context.extensionUri, 'media')] };
  }

  static create(context: vscode.ExtensionContext, page: PanelPage): vscode.WebviewPanel {
    return vscode.window.createWebviewPanel(page.viewType, page.title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, PanelBase.options(context));
  }

  constructor(readonly panel: vscode.WebviewPanel, protected readonly context: vscode.ExtensionContext, protected readonly page: PanelPage) {
    panel.webview.options = PanelBase.options(context);
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'icon.svg');
    panel.webview.html = panelHtml(panel.webview, context.extensionUri, page);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => panel.visible && this.sendSnapshot()),
      panel.webview.onDidReceiveMessage((m: In) => {
        if (m.type !== 'ready') return this.onMessage(m as FromPage<In>);
        this.ready = true;
        this.sendSnapshot();
      }),
    );
  }

  /** What the page should show now, whole; undefined sends nothing. */
  protected abstract snapshot(): Out | undefined;

  protected abstract onMessage(message: FromPage<In>): void;

  /** What changed since the last send, when the page can take less than a snapshot (default: a snapshot). */
  protected delta(): Out | undefined {
    return this.snapshot();
  }

  /** A send soon: changes that arrive meanwhile go together. */
  protected later(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      if (this.ready) this.post(this.delta());
    }, this.page.debounceMs);
  }

  protected sendSnapshot(): void {
    if (this.ready) this.post(this.snapshot());
  }

  /** Posted and delivered (the page was there to take it). */
  protected post(message: Out | undefined): Thenable<boolean> | undefined {
    return message === undefined ? undefined : this.panel.webview.postMessage(message);
  }

  protected remember(shown: Shown): Thenable<void> {
    return this.context.workspaceState.update(this.page.stateKey, shown);
  }

  static remembered<T>(context: vscode.ExtensionContext, key: string): T | undefined {
    return context.workspaceState.get<T>(key);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.disposables.forEach((d) => d.dispose());
    this.panel.dispose();
  }
}
