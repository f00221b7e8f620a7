// Convolution claims under a mode: conv block (examples/derivation-conv.md), and the ground truth they are compared
// with: the layer's exact ∂L/∂w and ∂L/∂x agree with central differences of L, for correlation and convolution,
// with stride and padding, in 1-D and 2-D.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rng } from '../../src/backend/data/random';
import type { ConvSpec } from '../../src/backend/gradcheck/blockSpec';
import { checkMarkdown } from '../../src/backend/gradcheck/checkFile';
import { ConvDraw } from '../../src/backend/gradcheck/convLayer';
import { packageRoot } from '../../src/paths';

const results = checkMarkdown(readFileSync(join(packageRoot(), 'examples', 'derivation-conv.md'), 'utf8'));
const at = (line: number) => results.find((r) => r.line === line)!;

test('the conv example: index-form forward pass and gradients pass; the classic mistakes fail at a concrete index', () => {
  assert.deepEqual(results.map((r) => `${r.line} ${r.verdict}`), [
    '17 pass', '19 pass', '21 pass', '23 pass', '25 fail', '27 fail', // 2-D correlation, index form
    '41 pass', '43 pass', '45 fail', // 1-D convolution, stride 2, padding 1, from 1
    '56 pass', '58 pass', '60 pass', '62 fail', '64 fail', // whole arrays
    '76 pass', '78 pass', '80 pass', '82 fail', // two kernels over three channels
    '94 pass', '96 pass', '98 fail', // stride 2 as whole arrays: dilate
    '113 inconclusive', '113 pass', '115 fail', '117 fail', '119 pass', '121 pass', '123 fail', // translation equivariance
    '134 inconclusive', '136 pass', '138 fail', // … with a stride
  ]);
  assert.match(results.find((r) => r.line === 98)!.message, /^✗ side 2 is 5×5, side 1 is 3×3/);
  assert.match(results.find((r) => r.line === 64)!.message, /^✗ side 2 is 2×2, side 1 is 6×6/, 'without padding the input gradient has the wrong shape');
  assert.match(results.find((r) => r.line === 80)!.message, /for c = 0\.\.2, m = 0\.\.4, n = 0\.\.4/);
  assert.match(at(23).message, /for m = 0\.\.5, n = 0\.\.5/, 'the input gradient is checked at every input entry, the edges (a full convolution) included');
  assert.match(at(27).message, /^✗ side 2 ≠ side 1 at m = \d, n = \d: .*\(correlation, input 6×6, kernel 3×3, stride 1, padding 0\)/);
  assert.match(at(45).message, /\(convolution, input 8, kernel 3, stride 2, padding 1\)/);
});

test('translation equivariance: x′ defined, y′ the layer on it; borders skipped and counted; invariance and a stride-blind shift fail', () => {
  const [definition, claim] = results.filter((r) => r.line === 113);
  assert.match(definition.message, /^∅ x′ defined here, so nothing to check; .*u, v take the values 1, 2 and −1/);
  assert.match(claim.message, /^✓ 2 sides agree for i = 0\.\.5, j = 0\.\.5 on 3 random layers, shifted by u = 1, 2, -1; v = 2, -1, 1 \(rel err .*; (\d+) of 108 comparisons at the borders skipped/);
  const skipped = Number(/(\d+) of 108/.exec(claim.message)![1]);
  assert.ok(skipped > 0 && skipped < 108, `some entries compared, the border ones skipped (${skipped})`);
  assert.match(at(115).message, /^✗ side 2 ≠ side 1 at u = -?\d, v = -?\d, i = \d, j = \d: /, 'invariance fails at an entry away from the borders');
  assert.match(at(123).message, /^✗ side 2 ≠ side 1 at entry \(\d, \d\) with s = -?\d/);
  assert.match(at(136).message, /shifted by s = 2, 4, -2/, 'a stride-2 layer is shifted by whole strides');
  assert.match(at(138).message, /^✗ side 2 ≠ side 1 at s = -?\d, i = \d: side 2 = -?\d/);
});

test('translation equivariance: y′ without a definition of x′ is not guessed', () => {
  const md = '```gradcheck\nmode: conv\ninput: 8\nkernel: 3\n```\n\n$$y\'_{i} = y_{i-s}$$\n';
  const [r] = checkMarkdown(md);
  assert.equal(r.verdict, 'inconclusive');
  assert.match(r.message, /define x′ first/);
  // a shift letter the definition did not name is not ranged over as if it were an index
  const other = checkMarkdown('```gradcheck\nmode: conv\ninput: 8\nkernel: 3\n```\n\n$$x\'_{i} = x_{i-s}$$\n\n$$y\'_{i} = y_{i-t}$$\n');
  assert.equal(other[1].verdict, 'inconclusive');
  assert.match(other[1].message, /t shifts an index, but the definition of x′ above shifts by s/);
});

test('ground truth: ∂L/∂w and ∂L/∂x of the drawn layer equal central differences of L (several kernels and channels too)', () => {
  const names = { x: 'x', y: 'y', w: 'w' };
  const specs: ConvSpec[] = [
    { input: [5, 6], kernel: [3, 2], stride: 1, padding: 0, operation: 'correlation', base: 0, names, channels: 1, kernels: 1 },
    { input: [7, 7], kernel: [3, 3], stride: 2, padding: 1, operation: 'convolution', base: 0, names, channels: 2, kernels: 3 },
    { input: [9], kernel: [4], stride: 2, padding: 2, operation: 'convolution', base: 1, names, channels: 1, kernels: 2 },
  ];
  let compared = 0;
  for (const spec of specs) {
    const d = new ConvDraw(spec, rng(4));
    const h = 1e-6;
    type Arrays = [number[][][], number[][][][]];
    const grads = [
      ...d.dxs.map((g, c) => ({ g, bump: ([xs]: Arrays) => xs[c] })),
      ...d.dws.flatMap((gk, k) => gk.map((g, c) => ({ g, bump: ([, ws]: Arrays) => ws[k][c] }))),
    ];
    for (const { g: grad, bump } of grads) {
      grad.forEach((row, r) => row.forEach((g, q) => {
        const nudged = (by: number) => {
          const arrays: Arrays = [d.xs.map((m) => m.map((v) => [...v])), d.ws.map((wk) => wk.map((m) => m.map((v) => [...v])))];
          bump(arrays)[r][q] += by;
          return d.loss(d.forward(...arrays));
        };
        const fd = (nudged(h) - nudged(-h)) / (2 * h);
        assert.ok(Math.abs(fd - g) <= 1e-6 * Math.max(1, Math.abs(g)), `${spec.operation} ${spec.input.join('x')}: [${r}][${q}] exact ${g}, differences ${fd}`);
        compared++;
      }));
    }
  }
  assert.equal(compared, (30 + 6) + (2 * 49 + 3 * 2 * 9) + (9 + 2 * 4), 'every entry of x and of every kernel');
});
