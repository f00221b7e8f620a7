// The notation families of examples/derivation-notation.md, each verdict asserted: correct claims ✓, deliberate
// mistakes ✗ with the numbers, what cannot be read with certainty "cannot check" — never ✗.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkMarkdown, suggestBlock } from '../../src/backend/gradcheck/checkFile';
import { packageRoot } from '../../src/paths';

const text = readFileSync(join(packageRoot(), 'examples', 'derivation-notation.md'), 'utf8');
const lines = text.split('\n');
const results = checkMarkdown(text);
const at = (line: number) => results.filter((r) => r.line === line);

test('every claim of the notation example has the verdict its text announces', () => {
  assert.equal(results.length, 69, results.map((r) => `${r.line}: ${r.message}`).join('\n'));
  const verdicts = results.map((r) => `${r.line} ${r.verdict}`);
  const expected = [
    '17 pass', '19 pass', '21 fail', // operator form
    '25 pass', '27 pass', '29 fail', // function-call notation
    '33 pass', '35 pass', '37 pass', '39 pass', '41 fail', '43 fail', // scalar identities
    '47 pass', '49 pass', '51 fail', // cases with ≠
    '56 pass', '57 pass', '63 pass', '64 fail', // aligned rows, each at its own line
    '69 pass', '71 pass', '73 pass', '75 pass', '77 fail', // delimiters, spacing, equation numbers
    '81 inconclusive', '83 inconclusive', // cannot be read with certainty: a δ without its layer, a name z_{out}
    '87 pass', '89 pass', '91 fail', // a symbolic layer index l; L the number of layers
    '95 pass', '97 pass', '99 fail', // ∂/∂x over the whole product that follows (w·w: the product rule)
    '103 pass', '103 pass', // two claims joined by \Rightarrow
    '107 pass', '109 pass', '111 pass', '113 pass', '115 fail', // second derivatives
    '119 pass', '121 pass', '123 pass', '125 pass', '125 pass', '127 pass', '129 fail', // bars, \boxed, remarks, "where"
    '133 pass', '135 pass', '137 inconclusive', '139 pass', '141 pass', '143 fail', // f, g, φ; \hat{y}; \mathcal{L}; a^{(4)}
    '152 pass', '154 pass', '156 fail', // biases written apart (bias: yes)
    '165 pass', '167 pass', '169 fail', // biases absorbed as w_{j0}, z_0 = 1 (bias: absorbed)
    '181 pass', '183 pass', '185 pass', '187 pass', '189 pass', '191 fail', // softmax with β: δ_{ij}, indicators, [i = j]
    '199 pass', '201 pass', '203 pass', '205 pass', '207 fail', // the layers a claim is stated for; N_l; ≈
  ];
  assert.deepEqual(verdicts, expected);
  for (const r of results.filter((x) => x.verdict === 'fail')) {
    const prose = lines.slice(Math.max(0, r.line - 4), r.line).join(' '); // its line, or the text just above its block
    assert.match(prose, /mistake/i, `line ${r.line} fails and its text says it is a mistake`);
    assert.match(r.message, /^✗ side \d ≠ side 1.*your right-hand side = .*the left-hand side = /, 'a ✗ gives the numbers');
  }
});

test('a free-variable claim is an identity checked against the block\'s activation; a wrong definition of h is ✗', () => {
  assert.match(at(33)[0].message, /an identity in a at 5 random values .* h = the block's logistic/);
  assert.match(at(43)[0].message, /^✗ .* h = the block's logistic/, 'h(a) = tanh(a) is not the declared logistic h');
});

test('aligned rows: a row with its own left-hand side is its own claim; "&=" continues the one above', () => {
  assert.equal(at(56)[0].latex.includes('\\delta_2'), false);
  assert.match(at(57)[0].message, /3 sides agree/, 'the row starting with &= joined the δ_2 chain');
  assert.match(at(64)[0].latex, /\\delta_2\^\{\(3\)\}/);
});

test('two claims joined by ⇒: each its own claim at its own column', () => {
  const [first, second] = at(103);
  assert.ok(first.column < second.column);
  assert.doesNotMatch(first.latex, /Rightarrow/);
  assert.match(second.latex, /^\s*(\\quad)?\s*\\frac\{\\partial E_n\}/);
});

test('cannot check, never ✗: the reason is given; z_{out} is read as one name', () => {
  assert.match(at(81)[0].message, /^∅ cannot check: .*δ/);
  assert.match(at(83)[0].message, /^∅ cannot check: .*z_\{out\}/);
});

test('a symbolic layer index: the layers checked are named; a failure names the first layer where it fails', () => {
  assert.match(at(87)[0].message, /sides agree for l = 2\.\.3/);
  assert.match(at(91)[0].message, /l = 2, j = 1/);
});

test('dead ReLU draws: every side 0 → drawn again until one sees something; all dead → inconclusive, saying how many', () => {
  const file = (weights: string, claims: string[]) => [
    '```gradcheck', 'network: 2-1-1', 'hidden: relu', 'output: identity', 'loss: squared', `weights: ${weights}`, 'inputs: 0..1', 'draws: 1', '```', '',
    ...claims.map((c) => `$$${c}$$\n`),
  ].join('\n');
  const right = '\\frac{\\partial E_n}{\\partial w_{11}^{(1)}} = \\delta_1^{(2)} x_1';
  const wrong = '\\frac{\\partial E_n}{\\partial w_{11}^{(1)}} = \\delta_1^{(2)} x_2';
  // weights mostly negative: the first draw's hidden unit is dead (measured: 5 of the first 6 draws)
  const mostlyDead = checkMarkdown(file('-1..0.3', [right, wrong]));
  assert.equal(mostlyDead[0].verdict, 'pass');
  assert.match(mostlyDead[0].message, /— \d+ of \d+ draws had every side 0 \(dead units\), so more were drawn/);
  assert.equal(mostlyDead[1].verdict, 'fail', 'a wrong claim found wrong on a later draw');
  const allDead = checkMarkdown(file('-1..0.1', [right]));
  assert.equal(allDead[0].verdict, 'inconclusive');
  assert.match(allDead[0].message, /every side is exactly 0 in every one of 21 draws/);
  // a deep ReLU chain (1 unit per layer, weights -1..1): at random, all 6 hidden units are active 1 time in 64; the
  // extra draws flip the incoming weights of a dead unit (the range is symmetric), so one sees something
  const chain = ['```gradcheck', 'network: chain 8', 'hidden: relu', 'draws: 1', '```', '', '$$\\delta^{(l)} = \\mathbb{1}[a^{(l)} > 0]\\, w^{(l)} \\delta^{(l+1)}$$', '', '$$\\delta^{(l)} = w^{(l)} \\delta^{(l+1)}$$'].join('\n');
  const [rightChain, wrongChain] = checkMarkdown(chain);
  assert.equal(rightChain.verdict, 'pass', rightChain.message);
  assert.match(rightChain.message, /so more were drawn/);
  assert.equal(wrongChain.verdict, 'fail', wrongChain.message);
});

test('biases: which layer b^{(l)} feeds is said with the verdict; absorbed biases start the inferred sums at k = 0', () => {
  assert.match(at(152)[0].message, /b_j\^\{\(l\)\} read as the bias beside w\^\{\(l\)\}, feeding a_j\^\{\(l\+1\)\}/);
  assert.match(at(154)[0].message, /for l = 1\.\.3/);
  assert.match(at(152)[0].message, /k = 1\.\.4/, 'written apart, the sum runs over the units');
  const absorbed = checkMarkdown('```gradcheck\nnetwork: 3-4-4-1\nbias: absorbed\n```\n\n$$a_1^{(3)} = \\sum_k w_{1k}^{(2)} z_k^{(2)}$$\n');
  assert.equal(absorbed[0].verdict, 'pass', absorbed[0].message);
  assert.match(absorbed[0].message, /k = 0\.\.4/);
});

test('a bias without "bias:" in the block, or a third derivative, is "cannot check" with what to write — never ✗', () => {
  const text = '```gradcheck\nnetwork: 3-4-4-1\n```\n\n$$\\frac{\\partial E_n}{\\partial b_1^{(2)}} = \\delta_1^{(3)}$$\n\n$$\\frac{\\partial E_n}{\\partial w_{10}^{(2)}} = \\delta_1^{(3)}$$\n\n' +
    '$$\\frac{\\partial}{\\partial w_{11}^{(3)}} \\frac{\\partial^2 E_n}{\\partial (w_{11}^{(3)})^2} = 0$$\n';
  const [b, w0, third] = checkMarkdown(text);
  for (const r of [b, w0]) {
    assert.equal(r.verdict, 'inconclusive', r.message);
    assert.match(r.message, /is a bias: the block declares none \(add "bias: yes"/);
  }
  assert.equal(third.verdict, 'inconclusive', third.message);
  assert.match(third.message, /third derivatives are not supported/);
});

test('a "where" clause is a claim of its own at its own column; a remark in words and a box are not math', () => {
  const [main, where] = at(125);
  assert.ok(main.column < where.column);
  assert.match(where.latex, /\\delta_1\^\{\(4\)\} = y - t_n/);
  assert.match(at(123)[0].message, /^✓ gradient check: 2 sides agree/, 'the claim inside the box is checked');
  assert.doesNotMatch(at(123)[0].message, /identity in/, 'the remark "(chain rule)" is not read as a variable');
});

test('f, g, φ: undefined, read as the block\'s activation and said; "g(a) = …" defines it for the claims below', () => {
  assert.match(at(133)[0].message, /g\(a\) read as the block's activation h \(logistic\)/);
  assert.match(at(135)[0].message, /^✓ phi\(a\) is the block's activation h \(logistic\)/);
  assert.match(at(137)[0].message, /^∅ f\(x\) defined here: not the block's activation \(logistic\), so nothing to check/);
  assert.doesNotMatch(at(139)[0].message, /read as the block's activation/, "f' is the derivative of the f defined above");
  const relu = checkMarkdown('```gradcheck\nnetwork: 2-2-1\n```\n\n$$g(x) = x^2$$\n\n$$g\'(x) = 2x$$\n\n$$g\'(x) = x$$\n');
  assert.deepEqual(relu.map((r) => r.verdict), ['inconclusive', 'pass', 'fail'], relu.map((r) => r.message).join('\n'));
});

test('"Declare network…" guesses the bias convention from the math: b_j written apart, or w_{j0} absorbed', () => {
  const math = (m: string) => `# notes\n\n$$${m}$$\n`;
  assert.match(suggestBlock(math('\\frac{\\partial E_n}{\\partial b_1^{(2)}} = \\delta_1^{(3)}')), /\nbias: yes\n/);
  assert.match(suggestBlock(math('\\frac{\\partial E_n}{\\partial w_{10}^{(2)}} = \\delta_1^{(3)}')), /\nbias: absorbed\n/);
  assert.doesNotMatch(suggestBlock(math('\\frac{\\partial E_n}{\\partial w_{12}^{(2)}} = \\delta_1^{(3)} z_2^{(2)}')), /bias/);
});

test('a claim stated for some layers is checked for those; failing only at a linear output layer says so; ≈ is not judged', () => {
  assert.match(at(199)[0].message, /for l = 1\.\.3/);
  assert.match(at(201)[0].message, /for l = 2\.\.3/, '"l = 2, \\dots, L-1" with L = 4');
  assert.match(at(203)[0].message, /for l = 2\.\.3/, 'N_{l+1}: the units of layer l+1');
  assert.match(at(205)[0].message, /⚠ the part after ≈ is not checked/);
  assert.match(at(207)[0].message, /l = 4, j = 1\) — layer 4 is the output layer \(identity, not logistic\)/);
});

