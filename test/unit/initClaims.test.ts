// Initialization claims under a mode: init block (examples/derivation-init.md): a scheme's exact variance at random
// fans, and what it does to the pre-activations' variance through a deep stack (sampled, averaged over stacks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkMarkdown } from '../../src/backend/gradcheck/checkFile';
import { packageRoot } from '../../src/paths';

const results = checkMarkdown(readFileSync(join(packageRoot(), 'examples', 'derivation-init.md'), 'utf8'));
const at = (line: number) => results.find((r) => r.line === line)!;

test('He and Xavier: their variances pass, He\'s with the fan-out fails; ReLU keeps the variance with He, halves it with Xavier', () => {
  assert.deepEqual(results.map((r) => `${r.line} ${r.verdict}`), ['18 pass', '20 pass', '22 fail', '34 pass', '36 pass', '38 fail']);
  assert.match(at(18).message, /at 5 random fans \(he\)/);
  assert.match(at(20).message, /for l = 1\.\.11 in a stack of 12 layers of 128 units \(relu, he; sampled, within 15 %\)/);
  assert.match(at(22).message, /^✗ side 2 ≠ side 1 at n_\{in\} = \d+, n_\{out\} = \d+ \(he\)/);
  assert.match(at(38).message, /^✗ .* at l = 1, in a stack of 12 layers .*\(relu, xavier\): side 2 = 1\.\d+, side 1 = 0\.4\d+/, 'about 1 against about ½');
});

test('what an initialization claim cannot be about is "cannot check", never ✗', () => {
  const block = '```gradcheck\nmode: init\nscheme: lecun\nfanIn: n\n```\n\n';
  const [unknown, z] = checkMarkdown(`${block}$$\\mathrm{Var}(w) = \\frac{1}{m}$$\n\n$$\\mathrm{Var}(z^{(2)}) = 1$$\n`);
  assert.equal(unknown.verdict, 'inconclusive');
  assert.match(unknown.message, /m is not one of the block's fans \(fanIn: n\)/);
  assert.equal(z.verdict, 'inconclusive');
  const [lecun] = checkMarkdown(`${block}$$\\mathrm{Var}(w) = \\frac{1}{n}$$\n`);
  assert.equal(lecun.verdict, 'pass', lecun.message);
});
