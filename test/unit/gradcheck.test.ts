// The derivation checker on our example derivation and on the classic exercises: every verdict asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rng } from '../../src/backend/data/random';
import { checkMarkdown, type FileResult, needsDeclaration } from '../../src/backend/gradcheck/checkFile';
import { Draw } from '../../src/backend/gradcheck/network';
import { packageRoot } from '../../src/paths';

const example = readFileSync(join(packageRoot(), 'examples', 'backprop-3-4-4-1.md'), 'utf8');
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

/** The result for the formula that contains `needle` (a piece of its LaTeX). */
function resultAt(results: FileResult[], text: string, needle: string): FileResult {
  const line = lineOf(text, needle);
  assert.ok(line > 0, `the text has ${needle}`);
  const onLine = results.filter((x) => x.line <= line && x.endLine >= line);
  const r = onLine.find((x) => x.latex.includes(needle)) ?? (onLine.length === 1 ? onLine[0] : undefined);
  assert.ok(r, `one result for ${needle} on line ${line}; results on lines ${results.map((x) => x.line).join(', ')}`);
  return r;
}

test('the example derivation: correct claims pass, each deliberate mistake fails for its reason', () => {
  const results = checkMarkdown(example);
  const at = (needle: string) => resultAt(results, example, needle);
  for (const correct of ['= y - t_n', '\\delta_1^{(4)} z_k^{(3)}', 'w_{1j}^{(3)}\\, \\delta_1^{(4)}', '\\sigma(a_1^{(3)})\\left(1', '\\sum_{k=1}^{4} w_{k1}^{(2)}', '\\delta_j^{(2)} x_k', '\\frac12 (y - t_n)^2\\right]']) {
    assert.equal(at(correct).verdict, 'pass', `${correct}: ${at(correct).message}`);
  }
  assert.match(at('w_{k1}^{(2)} \\delta_k^{(3)}').message, /^✓ gradient check: 2 sides agree \(rel err/);
  assert.match(at('\\sigma(a_1^{(3)})\\left(1').message, /^✓ gradient check: 3 sides agree/);
  // lenient readings pass, with the reading shown
  assert.equal(at('\\sum_k w_{kj}^{(2)}').verdict, 'pass');
  assert.match(at('\\sum_k w_{kj}^{(2)}').message, /⚠ \\sum_k: k = 1\.\.4, inferred from w_\{kj\}\^\{\(2\)\}/);
  assert.match(at('{w_{23}^{(1)}}').message, /^✓ .*read the fraction over w_\{23\}\^\{\(1\)\} as a partial derivative/);
  // the aligned &= chain is one claim of three sides
  assert.match(at('\\frac{\\partial E_n}{\\partial z_2^{(3)}} &=').message, /3 sides agree/);

  const wrong = (needle: string, message: RegExp) => {
    const r = at(needle);
    assert.notEqual(r.verdict, 'pass', `${needle} must not pass`);
    assert.match(r.message, message);
  };
  wrong('w_{11}^{(4)}', /w_\{11\}\^\{\(4\)\} does not exist: layer 4 is the output layer/);
  wrong('\\sum_{k=1}^{4} w_{1k}^{(2)}', /^✗ side 2 ≠ side 1: /);
  wrong('w_{1i}^{(3)}', /^✗ index i is unbound — the claim holds if i = 1$/);
  const paren = at('(y - t_n z_1^{(3)}');
  assert.equal(paren.verdict, 'parse-error');
  assert.match(paren.message, /cannot parse: unbalanced: expected '\)' before the end .*adding '\)' after '.*t_n' \(column \d+\) makes it parse and pass/);
  wrong('h\'(a_1^{(2)})\\, w_{11}^{(3)}', /^✗ side 2 ≠ side 1/);
  wrong('= t_n - y', /^✗ side 2 ≠ side 1 \(the sign is flipped\): your right-hand side = -?[\d.]+, the left-hand side = -?[\d.]+, ratio -1 \(rel err 2\)/);
  wrong('\\delta_2^{(2)} = \\sum', /^✗ side 2 ≠ side 1/);
  wrong('\\sigma(a_1^{(3)})^2', /^✗ side 3 ≠ side 1/);
  assert.equal(results.filter((r) => r.verdict !== 'pass').length, 8);
});

const graph = (block: string, math: string[]) => `\`\`\`gradcheck\n${block}\n\`\`\`\n\n${math.map((m) => `$$${m}$$`).join('\n\n')}\n`;

test('activation derivatives: logistic, tanh, and ReLU through cases', () => {
  const text = graph('mode: graph\ninputs: a\nhidden: relu\ninputs: b\nrange: -2..2\ndraws: 6', [
    '\\frac{\\partial}{\\partial a} \\sigma(a) = \\sigma(a)(1 - \\sigma(a))',
    '\\frac{d}{da}\\tanh(a) = 1 - \\tanh^2(a)',
    '\\frac{d}{da}\\tanh(a) = 1 + \\tanh^2(a)',
    'h\'(a) = \\begin{cases} 1 & a > 0 \\\\ 0 & \\text{otherwise} \\end{cases}',
    '\\frac{\\partial}{\\partial a}\\max(0, a) = \\begin{cases} 1 & a > 0 \\\\ 0 & a \\le 0 \\end{cases}',
    'h\'(a) = \\begin{cases} 1 & a < 0 \\\\ 0 & \\text{otherwise} \\end{cases}',
    'h\'\'\'(a) = 0',
  ]);
  const verdicts = checkMarkdown(text).map((r) => `${r.verdict}: ${r.message}`);
  // a third derivative is not evaluated: "cannot check" with the reason, never ✗
  assert.deepEqual(verdicts.map((v) => v.split(':')[0]), ['pass', 'pass', 'fail', 'pass', 'pass', 'fail', 'inconclusive'], verdicts.join('\n'));
  assert.match(verdicts[6], /cannot check: .*third derivatives are not supported/, 'refused, not read as h\'\'');
});

test('softmax with a -β factor: right sign passes, wrong sign and missing β fail', () => {
  const block = 'mode: graph\nn: 4\nconst: \\beta = 0.7\ninputs: (X_{in})_k\ndefine: (X_{out})_i = \\frac{e^{-\\beta (X_{in})_i}}{\\sum_{k=1}^{4} e^{-\\beta (X_{in})_k}}';
  const d = '\\frac{\\partial (X_{out})_i}{\\partial (X_{in})_j}';
  const results = checkMarkdown(graph(block, [
    `${d} = -\\beta (X_{out})_i (\\delta_{ij} - (X_{out})_j)`,
    `${d} = \\beta (X_{out})_i (\\delta_{ij} - (X_{out})_j)`,
    `${d} = -(X_{out})_i (\\delta_{ij} - (X_{out})_j)`,
  ]));
  assert.deepEqual(results.map((r) => r.verdict), ['pass', 'fail', 'fail'], results.map((r) => r.message).join('\n'));
  assert.match(results[1].message, /rel err 2/);
});

test('cross-entropy with a softmax output: the output delta is y_k - t_k; forgetting the softmax coupling fails', () => {
  const results = checkMarkdown(graph('network: 2-3-3\nhidden: tanh\nloss: cross-entropy', [
    '\\delta_k^{(3)} = y_k - t_k',
    '\\frac{\\partial E_n}{\\partial w_{jk}^{(2)}} = (y_j - t_j) z_k^{(2)}',
    '\\delta_k^{(3)} = (y_k - t_k) y_k (1 - y_k)',
  ]));
  assert.deepEqual(results.map((r) => r.verdict), ['pass', 'pass', 'fail'], results.map((r) => r.message).join('\n'));
});

test('a 153-layer logistic chain: exact gradients near 1e-150 compare correctly where finite differences give 0', () => {
  const claim = '\\frac{\\partial E_n}{\\partial w_{11}^{(1)}} = (y - t_n) \\prod_{l=2}^{153} h\'(a_1^{(l)}) \\prod_{l=2}^{152} w_{11}^{(l)} \\, x_1';
  const wrongClaim = '\\frac{\\partial E_n}{\\partial w_{11}^{(1)}} = (y - t_n) \\prod_{l=3}^{153} h\'(a_1^{(l)}) \\prod_{l=2}^{152} w_{11}^{(l)} \\, x_1';
  const block = 'network: chain 153\nhidden: logistic\noutput: logistic\nweights: -1..1';
  const results = checkMarkdown(graph(block, [claim, wrongClaim]));
  assert.equal(results[0].verdict, 'pass', results[0].message);
  const exact = results[0].sides[0];
  assert.ok(Math.abs(exact) > 0 && Math.abs(exact) < 1e-100, `the true gradient is tiny but not zero: ${exact}`);
  assert.equal(results[1].verdict, 'fail', results[1].message);
  // what a central finite difference sees on the same draw: nothing
  const net = { units: new Array(153).fill(1), hidden: 'logistic' as const, output: 'logistic' as const, loss: 'squared' as const, weights: [-1, 1] as [number, number], inputs: [-1, 1] as [number, number], draws: 1, tolerance: 1e-6 };
  const draw = new Draw(net, rng(1));
  const h = 1e-6;
  const w = draw.W[1][0][0];
  draw.W[1][0][0] = w + h;
  draw.recompute();
  const up = draw.E;
  draw.W[1][0][0] = w - h;
  draw.recompute();
  const fd = (up - draw.E) / (2 * h);
  assert.equal(fd, 0, `finite differences underflow to ${fd}`);
});

test('bad input: unknown network syntax, undeclared symbols, a block with no math, garbage — clear messages at the right lines', () => {
  const bad = '# notes\n\n```gradcheck\nnetwork: 3x4x1\n```\n\n$$a_1^{(2)} = 1$$\n';
  const [blockError, notChecked] = checkMarkdown(bad);
  assert.equal(blockError.line, 4);
  assert.match(blockError.message, /gradcheck block: network: unknown syntax '3x4x1': expected units per layer like 3-4-4-1/);
  assert.equal(notChecked.line, 7);
  assert.match(notChecked.message, /not checked: the gradcheck block above has an error/);

  const undeclared = checkMarkdown(graph('network: 2-2-1', ['a_1^{(2)} = q_1 w_{11}^{(1)}']));
  assert.match(undeclared[0].message, /q_\{1\} is not declared/);

  const lonely = checkMarkdown('```gradcheck\nnetwork: 2-2-1\n```\n\nNo formulas here.\n');
  assert.equal(lonely.length, 1);
  assert.equal(lonely[0].line, 1);
  assert.match(lonely[0].message, /this gradcheck block has no claim below it/);

  const chars = '\\{}[]()^_=+-&%$abcxyz0123456789 \\frac\\sum\\partial\\left\\right';
  const random = rng(5);
  const garbage = Array.from({ length: 10_000 }, () => chars[Math.floor(random() * chars.length)]).join('').replace(/\$/g, '');
  const [g] = checkMarkdown(graph('network: 2-2-1', [`a_1^{(2)} = ${garbage}`]));
  assert.ok(g.verdict === 'parse-error' || g.verdict === 'fail', g.message); // its speed: bench/gradcheckSpeed.ts
  assert.equal(needsDeclaration('Some math: $a = b$'), true);
  assert.equal(needsDeclaration(example), false);
});

test('a 40-claim file: results arrive one by one, in line order, each as soon as it is known (speed: bench/gradcheckSpeed.ts)', () => {
  const claims = Array.from({ length: 40 }, (_, i) => `$$\\delta_${(i % 4) + 1}^{(2)} = h'(a_${(i % 4) + 1}^{(2)}) \\sum_{k=1}^{4} w_{k${(i % 4) + 1}}^{(2)} \\delta_k^{(3)}$$`);
  const text = '```gradcheck\nnetwork: 3-4-4-1\nhidden: logistic\n```\n\n' + claims.join('\n\n');
  const seen: { line: number }[] = [];
  const results = checkMarkdown(text, (r) => seen.push(r));
  assert.equal(results.length, 40);
  assert.ok(results.every((r) => r.verdict === 'pass'));
  assert.equal(seen.length, 40, 'one notification per claim');
  assert.deepEqual(seen, results, 'each result was handed on as it was made, in order');
  assert.deepEqual(seen.map((r) => r.line), [...seen.map((r) => r.line)].sort((a, b) => a - b));
});

test('a failed claim names its sides, their ratio, and what a simple ratio suggests', () => {
  const results = checkMarkdown(graph('network: 3-4-4-1\nhidden: logistic', [
    '\\frac{\\partial E_n}{\\partial a_1^{(4)}} = 2 (y - t_n)',
    '\\frac{\\partial E_n}{\\partial a_1^{(4)}} = t_n - y',
    '\\frac{\\partial E_n}{\\partial a_1^{(4)}} = \\frac{1}{2} (y - t_n)',
    '\\frac{\\partial E_n}{\\partial a_1^{(4)}} = 0',
    '\\frac{\\partial E_n}{\\partial a_1^{(4)}} = y',
  ]));
  assert.deepEqual(results.map((r) => r.verdict), ['fail', 'fail', 'fail', 'fail', 'fail']);
  assert.match(results[0].message, /^✗ side 2 ≠ side 1 \(off by a factor of 2\): your right-hand side = .*, the left-hand side = .*, ratio 2 /);
  assert.match(results[1].message, /^✗ side 2 ≠ side 1 \(the sign is flipped\): .*, ratio -1 /);
  assert.match(results[2].message, /^✗ side 2 ≠ side 1 \(off by a factor of 1\/2\): .*, ratio 0\.5 /);
  assert.match(results[3].message, /^✗ side 2 ≠ side 1 \(a missing term\?\): your right-hand side = 0, .*, ratio 0 /);
  assert.match(results[4].message, /^✗ side 2 ≠ side 1: your right-hand side = /, 'no hint when the ratio says nothing simple'); // ratio printed, no guess
});

test('h of an output-layer activation is read as that layer\'s own function, and says so', () => {
  const results = checkMarkdown(graph('network: 3-4-4-1\nhidden: logistic\noutput: identity', [
    'y = h(a_1^{(4)})',
    'h(a_1^{(4)}) = \\sigma(a_1^{(4)})',
    'z_1^{(3)} = h(a_1^{(3)})',
  ]));
  assert.deepEqual(results.map((r) => r.verdict), ['pass', 'fail', 'pass']);
  assert.match(results[0].message, /⚠ h\(a_\{?1\}?\^\{\(4\)\}\) read as layer 4's own activation \(identity\), not the hidden h \(logistic\)/);
  assert.match(results[1].warnings.join('\n'), /read as layer 4's own activation \(identity\)/);
  assert.deepEqual(results[2].warnings, [], 'a hidden layer\'s h is the hidden h: nothing to say');
});
