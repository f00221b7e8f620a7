// Layer 1 of the end-to-end tests: Mocha suites inside a real VS Code's extension host (code-server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { distDir } from '../../src/backend/paths';
import { openVsCode } from './codeServer';
import { e2eWorkspace } from './fixtures';

// The workbench's own chatter that reaches the same log channel as the test runner.
const noise = /AgentHost|ChatModelSelection|AccountPolicyGate|authentication provider|open-vsx|^%s%s \s*$/;

test('extension-host suites pass in a real VS Code (code-server)', { timeout: 900_000 }, async () => {
  const lines: string[] = [];
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((r) => (resolveExit = r));
  const vscode = await openVsCode({
    workspace: await e2eWorkspace(),
    testsPath: join(distDir(), 'e2e-host', 'index.js'),
    onLog: (line) => {
      lines.push(line);
      if (!noise.test(line)) process.stdout.write(`  │ ${line}\n`);
    },
    onExit: resolveExit,
  });
  try {
    const timeout = new Promise<number>((_, reject) => {
      const t = setTimeout(() => reject(new Error(`no result within 10 minutes\n${vscode.log()}`)), 600_000);
      void exited.finally(() => clearTimeout(t));
    });
    const code = await Promise.race([exited, timeout]);
    assert.equal(code, 0, `extension-host tests failed:\n${lines.join('\n')}`);
    assert.ok(lines.some((l) => /passing/.test(l)), 'Mocha reported passing tests');
  } finally {
    await vscode.stop();
  }
});
