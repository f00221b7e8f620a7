// Layer 1 of the end-to-end tests: Mocha suites inside a real VS Code's extension host (code-server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { distDir, packageRoot } from '../../src/paths';
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
    // Mocha's own tally: every registered test ran and passed ("0 passing" with exit 0 would be a suite that ran nothing)
    const passing = Number(/(\d+) passing/.exec(lines.join('\n'))?.[1] ?? 0);
    const registered = suiteTestCount();
    assert.equal(passing, registered, `Mocha reported ${passing} passing of ${registered} tests`);
    assert.ok(!lines.some((l) => /\d+ (pending|failing)/.test(l)), 'none pending or failing');
  } finally {
    await vscode.stop();
  }
});

/** The tests the extension-host suites register (`test(` calls in test/e2e/host/suites/), counted from the sources. */
function suiteTestCount(): number {
  const dir = join(packageRoot(), 'test', 'e2e', 'host', 'suites');
  return readdirSync(dir).filter((f) => f.endsWith('.ts')).reduce((n, f) => n + (readFileSync(join(dir, f), 'utf8').match(/^\s*test\(/gm) ?? []).length, 0);
}
