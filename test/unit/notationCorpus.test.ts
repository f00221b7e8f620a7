// A corpus of backprop claims in the styles of textbooks and course notes (Bishop's E_n, E_n(w) handouts, \cdot and
// \left( \right) of lecture notes, \mathrm{d}, equation numbers, free-variable identities), built from a few true
// gradients of a 3-4-4-1 logistic network, each correct form and each deliberate mistake with its expected verdict.
// No wrong claim may pass; a correct claim that fails or cannot be parsed is counted and reported (target 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkMarkdown } from '../../src/backend/gradcheck/checkFile';

const block = ['```gradcheck', 'network: 3-4-4-1', 'hidden: logistic', 'output: identity', 'loss: squared', 'weights: -1..1', 'draws: 3', '```', ''].join('\n');
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
/** The ways course material writes ∂E_n/∂q: Bishop, the handouts' E_n(w), a bare E, the d of some notes. */
const dE = [
  (q: string) => `\\frac{\\partial E_n}{\\partial ${q}}`,
  (q: string) => `\\frac{\\partial E_n(\\mathbf{w})}{\\partial ${q}}`,
  (q: string) => `\\frac{\\partial E}{\\partial ${q}}`,
  (q: string) => `\\frac{\\mathrm{d} E_n}{\\mathrm{d} ${q}}`,
];
/** Ways to end a claim: nothing, an equation number, a \tag. */
const ends = ['', ' \\qquad (4)', ' \\tag{5}'];

function corpus(): { latex: string; correct: boolean }[] {
  const out: { latex: string; correct: boolean }[] = [];
  const right = (latex: string) => out.push({ latex, correct: true });
  const wrong = (latex: string) => out.push({ latex, correct: false });
  // the output unit: residual times the unit it comes from
  for (const k of range(4)) {
    dE.forEach((d, i) => right(`${d(`w_{1${k}}^{(3)}`)} = (y - t_n)${i % 2 ? ' \\cdot ' : '\\, '}z_${k}^{(3)}${ends[i % 3]}`));
    right(`${dE[0](`w_{1${k}}^{(3)}`)} = \\delta_1^{(4)} z_${k}^{(3)}`);
    right(`\\frac{\\partial}{\\partial w_{1${k}}^{(3)}} \\left[ \\frac{1}{2} (y - t_n)^2 \\right] = \\left( y - t_n \\right) z_${k}^{(3)}`);
    wrong(`${dE[1](`w_{1${k}}^{(3)}`)} = (t_n - y) z_${k}^{(3)}`); // the sign
    wrong(`${dE[0](`w_{1${k}}^{(3)}`)} = 2 (y - t_n) z_${k}^{(3)}`); // the ½ forgotten
  }
  // layer 3: one weight to the output
  for (const j of range(4)) {
    right(`\\delta_${j}^{(3)} = h'(a_${j}^{(3)})\\, w_{1${j}}^{(3)}\\, \\delta_1^{(4)}`);
    right(`\\delta_${j}^{(3)} = z_${j}^{(3)} \\left(1 - z_${j}^{(3)}\\right) w_{1${j}}^{(3)} \\delta_1^{(4)}`);
    right(`\\delta_${j}^{(3)} = \\sigma(a_${j}^{(3)}) (1 - \\sigma(a_${j}^{(3)})) \\cdot w_{1${j}}^{(3)} \\cdot (y - t_n)`);
    right(`${dE[0](`z_${j}^{(3)}`)} = w_{1${j}}^{(3)} \\delta_1^{(4)}`);
    right(`${dE[1](`a_${j}^{(3)}`)} = h'\\!\\left(a_${j}^{(3)}\\right) w_{1${j}}^{(3)} (y - t_n)`);
    wrong(`\\delta_${j}^{(3)} = w_{1${j}}^{(3)}\\, \\delta_1^{(4)}`); // h' forgotten
    if (j > 1) wrong(`\\delta_${j}^{(3)} = h'(a_${j}^{(3)})\\, w_{${j}1}^{(3)}\\, \\delta_1^{(4)}`); // indices swapped: no such weight
  }
  // layer 2: a sum over the units of layer 3
  for (const j of range(4)) {
    right(`\\delta_${j}^{(2)} = h'(a_${j}^{(2)}) \\sum_{k=1}^{4} w_{k${j}}^{(2)} \\delta_k^{(3)}`);
    right(`\\delta_${j}^{(2)} = h'(a_${j}^{(2)}) \\sum_k w_{k${j}}^{(2)}\\, \\delta_k^{(3)}`);
    wrong(`\\delta_${j}^{(2)} = h'(a_${j}^{(2)}) \\sum_{k=1}^{4} w_{${j}k}^{(2)} \\delta_k^{(3)}`); // the transpose
    for (const k of range(4)) {
      right(`${dE[k % 4](`w_{${j}${k}}^{(2)}`)} = \\delta_${j}^{(3)} z_${k}^{(2)}${ends[(j + k) % 3]}`);
      wrong(`${dE[0](`w_{${j}${k}}^{(2)}`)} = \\delta_${j}^{(3)} z_${k}^{(3)}`); // the unit of the wrong layer
    }
  }
  // the units of layer 2: what flows back through every weight leaving them
  for (const k of range(4)) {
    right(`${dE[k % 4](`z_${k}^{(2)}`)} = \\sum_{j=1}^{4} w_{j${k}}^{(2)}\\, \\delta_j^{(3)}`);
    wrong(`${dE[0](`z_${k}^{(2)}`)} = \\sum_{j=1}^{4} w_{${k}j}^{(2)}\\, \\delta_j^{(3)}`); // the transpose
    // ∂/∂w as an operator on a pre-activation written out
    right(`\\frac{\\partial}{\\partial w_{1${k}}^{(2)}} \\left[ ${range(4).map((m) => `w_{1${m}}^{(2)} z_${m}^{(2)}`).join(' + ')} \\right] = z_${k}^{(2)}`);
  }
  // the output's own error signal, and a symbolic layer index
  dE.forEach((d) => right(`${d('a_1^{(4)}')} = y - t_n`));
  wrong(`${dE[0]('a_1^{(4)}')} = t_n - y`);
  wrong(`${dE[2]('a_1^{(4)}')} = \\frac{1}{2} (y - t_n)`);
  right('\\delta_j^{(l)} = h\'(a_j^{(l)}) \\sum_k w_{kj}^{(l)} \\delta_k^{(l+1)}');
  for (const j of range(4)) right(`\\delta_${j}^{(l)} = h'(a_${j}^{(l)}) \\sum_k w_{k${j}}^{(l)} \\delta_k^{(l+1)}`);
  wrong('\\delta_j^{(l)} = h\'(a_j^{(l)}) \\sum_k w_{jk}^{(l)} \\delta_k^{(l+1)}');
  wrong('\\delta_1^{(L)} = t_n - y');
  // layer 1: the inputs
  for (const j of range(4)) {
    for (const k of range(3)) {
      right(`${dE[(j + k) % 4](`w_{${j}${k}}^{(1)}`)} = \\delta_${j}^{(2)}\\, x_${k}`);
      if (k === 1) wrong(`${dE[0](`w_{${j}${k}}^{(1)}`)} = \\delta_${j}^{(3)} x_${k}`); // δ of the wrong layer
    }
  }
  // the activation, as an identity in a free variable (the block's h is logistic)
  right("h'(a) = h(a)\\,(1 - h(a))");
  right('\\frac{d\\sigma}{dx} = \\sigma(x)(1 - \\sigma(x))');
  right('\\frac{d}{du} h(u) = \\frac{e^{-u}}{(1 + e^{-u})^2}');
  right('h(a) = \\frac{1}{1 + \\exp(-a)}');
  right('\\frac{d}{dx} \\tanh(x) = 1 - \\tanh^2(x)');
  right("\\sigma'(s) = \\sigma(s) \\cdot \\sigma(-s)");
  wrong("h'(a) = h(a)\\,(1 + h(a))");
  wrong('h(a) = \\tanh(a)');
  wrong('\\frac{d}{dx} \\tanh(x) = 1 + \\tanh^2(x)');
  return out;
}

test('the notation corpus: no wrong claim passes; correct claims that fail or cannot be parsed are counted (target 0)', () => {
  const claims = corpus();
  const results = checkMarkdown(block + claims.map((c) => `$$${c.latex}$$\n`).join('\n'));
  assert.equal(results.length, claims.length, 'one verdict per claim');
  const falsePass = claims.filter((c, i) => !c.correct && results[i].verdict === 'pass');
  const missed = claims.flatMap((c, i) => (c.correct && results[i].verdict !== 'pass' ? [`${c.latex} → ${results[i].message}`] : []));
  const caught = claims.filter((c, i) => !c.correct && results[i].verdict === 'fail').length;
  const wrongCount = claims.filter((c) => !c.correct).length;
  console.log(`notation corpus: ${claims.length} claims (${claims.length - wrongCount} correct, ${wrongCount} wrong) — false ✓ ${falsePass.length}, ` +
    `correct claims not passed ${missed.length}, wrong claims ✗ ${caught} (the rest "cannot check")`);
  assert.ok(claims.length >= 150, `${claims.length} claims`);
  assert.deepEqual(falsePass.map((c) => c.latex), [], 'no wrong claim passes');
  assert.deepEqual(missed, [], 'every correct claim passes');
  assert.equal(caught, wrongCount, 'every wrong claim is a ✗ with its reason');
});
