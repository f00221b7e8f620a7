// Entry point VS Code loads as extensionTestsPath: runs the Mocha suites inside the extension host.
// Suites register themselves when called (after Mocha has defined suite/test on the global object).
import { extensionSuite } from './suites/extension.suite';

export function run(): Promise<void> {
   
  const Mocha = require('mocha') as typeof import('mocha');
  const mocha = new Mocha({ ui: 'tdd', timeout: 240_000, color: false, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'extension-host', mocha);
  extensionSuite();
  return new Promise((resolve, reject) => mocha.run((failures) => (failures ? reject(new Error(`${failures} extension-host test(s) failed`)) : resolve())));
}
