#!/usr/bin/env node
// The extension-host suites in desktop VS Code (Electron), for machines that can download it:
//   npm run build && npm run test:desktop
// @vscode/test-electron downloads VS Code from its update server, which these build machines cannot reach, so
// here the same suites run in code-server instead (test/e2e/extensionHost.test.ts) and the Electron-hosted
// extension host is untested on them.
import { runTests } from '@vscode/test-electron';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const workspace = mkdtempSync(join(tmpdir(), 'gl-ws-'));
// the same fixture files the code-server layer writes (kept in sync by using the built helper)
const { e2eWorkspaceInto } = await import(join(root, 'dist', 'e2e-host', 'fixturesCli.js'));
await e2eWorkspaceInto(workspace);
await runTests({
  extensionDevelopmentPath: root,
  extensionTestsPath: join(root, 'dist', 'e2e-host', 'index.js'),
  launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
});
