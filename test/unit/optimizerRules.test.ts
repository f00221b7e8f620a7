// Update rules under a mode: optimizer block, as examples/derivation-optimizers.md writes them: correct forms pass
// (a reformulation with the same θ included), each deliberate mistake is ✗ at the first step that differs and names
// the method it follows instead; what is not an update is "cannot check", never ✗.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkMarkdown } from '../../src/backend/gradcheck/checkFile';
import { packageRoot } from '../../src/paths';

const results = checkMarkdown(readFileSync(join(packageRoot(), 'examples', 'derivation-optimizers.md'), 'utf8'));
const at = (line: number) => results.find((r) => r.line === line)!;

test('every line of each rule has the rule\'s verdict: Nesterov, heavy-ball momentum and Adam pass; the two mistakes fail', () => {
  assert.deepEqual(results.map((r) => `${r.line} ${r.verdict}`), [
    '17 pass', '19 pass', // Nesterov in Sutskever's form
    '30 fail', '32 fail', // the gradient at θ_t
    '43 pass', // momentum without v
    '56 pass', '58 pass', '60 pass', '62 pass', '64 pass', '66 pass', // Adam
    '78 fail', '80 fail', '82 fail', // RMSProp without the square
    '93 fail', '95 fail', // momentum with the sign of ε flipped
  ]);
  assert.match(at(17).message, /^✓ the update rule follows Nesterov's accelerated gradient: \\theta agrees for 12 steps on .*Rosenbrock/);
  assert.match(at(17).message, /\(the rule of lines 17, 19\)$/);
});

test('a mistake is ✗ at the first step that differs, with both values, and the method the rule follows instead', () => {
  assert.match(at(30).message, /^✗ not Nesterov's accelerated gradient: at step 2 on a quadratic with condition number 20, your \\theta_2 = \(.*\), Nesterov's accelerated gradient's = \(.*\) — your rule is momentum/);
  assert.match(at(78).message, /^✗ not RMSProp: at step 1 /);
  assert.match(at(93).message, /^✗ not momentum: at step 1 on a quadratic with condition number 20, your \\theta_1 = \(2\.02273, 1\.00796\), momentum's = \(1\.97727, 0\.992045\)/, 'a step up the gradient');
});

test('the rule must hold for any hyper-parameters: a rule right only for the block\'s values is ✗', () => {
  // μ written as the number 0.9: equal to the block's μ, but not to the values drawn for the other test functions
  const text = '```gradcheck\nmode: optimizer\nmethod: momentum\nlr: \\eta = 0.01\nmomentum: \\mu = 0.9\n```\n\n$$v_{t+1} = 0.9 v_t - \\eta \\nabla f(\\theta_t)$$\n\n$$\\theta_{t+1} = \\theta_t + v_{t+1}$$\n';
  const [v] = checkMarkdown(text);
  assert.equal(v.verdict, 'fail', v.message);
  assert.doesNotMatch(v.message, /a quadratic with condition number 20,/, 'the block\'s own values agree: it differs on another function');
});

test('not an update, an unknown name, a missing parameter update: "cannot check" with the reason, never ✗', () => {
  const block = '```gradcheck\nmode: optimizer\nmethod: sgd\nlr: \\eta = 0.1\n```\n\n';
  const [notUpdate] = checkMarkdown(`${block}$$\\eta = 0.1$$\n`);
  assert.equal(notUpdate.verdict, 'inconclusive');
  assert.match(notUpdate.message, /is not a quantity at a step/);
  const [unknown] = checkMarkdown(`${block}$$\\theta_{t+1} = \\theta_t - \\gamma \\nabla f(\\theta_t)$$\n`);
  assert.equal(unknown.verdict, 'inconclusive');
  assert.match(unknown.message, /\\gamma is neither a hyper-parameter of the block nor a quantity a line updates/);
  const [noParams] = checkMarkdown(`${block}$$w_{t+1} = w_t - \\eta \\nabla f(w_t)$$\n`);
  assert.equal(noParams.verdict, 'inconclusive');
  assert.match(noParams.message, /no line updates the parameters \\theta \(say which symbol they are with params:/);
  const [withParams] = checkMarkdown(block.replace('lr:', 'params: w\nlr:') + '$$w_{t+1} = w_t - \\eta \\nabla f(w_t)$$\n');
  assert.equal(withParams.verdict, 'pass', withParams.message);
});

test('the hover\'s picture: both trajectories over the contours — one path for a right rule, two that part for a wrong one', () => {
  const polylines = (svg: string) => [...svg.matchAll(/<polyline class="(\w+)" points="([^"]+)"/g)].map((m) => ({ name: m[1], points: m[2].split(' ').map((p) => p.split(',').map(Number)) }));
  const right = polylines(at(17).picture!.svg);
  assert.deepEqual(right.map((p) => p.name), ['reference', 'ours']);
  assert.equal(right[0].points.length, 41, 'θ_0 … θ_40 drawn');
  assert.deepEqual(right[1].points, right[0].points, 'a right rule draws on top of the reference');
  assert.ok(right[0].points.every(([x, y]) => x >= 28 && x <= 372 && y >= 28 && y <= 242), 'the reference path lies inside the plot');
  const wrong = polylines(at(93).picture!.svg);
  assert.deepEqual(wrong[0].points[0], wrong[1].points[0], 'both start at θ_0');
  assert.notDeepEqual(wrong[1].points[1], wrong[0].points[1], 'they part at step 1, where the message says');
  assert.match(at(93).picture!.caption, /^your rule and momentum on a quadratic with condition number 20$/);
  assert.ok((at(17).picture!.svg.match(/M\d+ \d+h\d+v1/g) ?? []).length > 50, 'contour bands drawn under the paths');
  assert.ok(at(17).picture!.svg.length < 16_000, `a picture of a few kilobytes: it travels with every check (${at(17).picture!.svg.length} bytes)`);
  assert.equal(at(93).picture!.svg, at(95).picture!.svg, 'every line of the rule shows the same picture');
});
