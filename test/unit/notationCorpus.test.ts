// A corpus of backprop claims in the styles of textbooks and course notes (Bishop's E_n, E_n(w) handouts, \cdot and
// \left( \right) of lecture notes, \mathrm{d}, equation numbers, free-variable identities), built from a few true
// gradients of a 3-4-4-1 logistic network (second derivatives too, and the same network with biases written apart or
// absorbed as w_{j0}), each correct form and each deliberate mistake with its expected verdict.
// No wrong claim may pass; a correct claim that fails or cannot be parsed is counted and reported (target 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkMarkdown } from '../../src/backend/gradcheck/checkFile';

const blockWith = (...extra: string[]) => ['```gradcheck', 'network: 3-4-4-1', 'hidden: logistic', 'output: identity', 'loss: squared', 'weights: -1..1', 'draws: 3', ...extra, '```', ''].join('\n');
type Claim = { latex: string; correct: boolean };
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

function corpus(): Claim[] {
  const out: Claim[] = [];
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
  // framing and remarks: a boxed answer, an evaluation bar, a remark in words, \operatorname
  right(`\\boxed{${dE[0]('a_1^{(4)}')} = y - t_n}`);
  right(`\\left. ${dE[1]('a')} \\right|_{a = a_1^{(4)}} = y - t_n`);
  wrong(`\\left. ${dE[0]('a')} \\right|_{a = a_1^{(4)}} = t_n - y`);
  right('\\left. \\frac{d\\sigma}{dx} \\right|_{x=0} = \\frac{1}{4}');
  wrong('\\left. \\frac{d\\sigma}{dx} \\right|_{x=0} = \\frac{1}{2}');
  right(`${dE[0]('w_{11}^{(3)}')} \\Big|_{\\mathbf{w}} = \\delta_1^{(4)} z_1^{(3)} \\quad \\text{(chain rule)}`);
  right('h(a) = \\frac{1}{1 + \\operatorname{exp}(-a)}');
  wrong('h(a) = \\frac{1}{1 + \\operatorname{exp}(a)}');
  // the activation by other letters (g undefined: the block's h; φ defined as it), \hat{y}, \mathcal{L}, a^{(4)} of one unit
  right("g'(a) = g(a)\\,(1 - g(a))");
  for (const j of range(4)) right(`\\delta_${j}^{(3)} = g'(a_${j}^{(3)})\\, w_{1${j}}^{(3)} \\delta^{(4)}`);
  right('\\frac{\\partial \\mathcal{L}}{\\partial a_1^{(4)}} = \\hat{y} - t_n');
  wrong('\\delta^{(4)} = \\hat{y} + t_n');
  // the layers a claim is stated for, N_l, and ≈ after the claim
  right('\\frac{\\partial E_n}{\\partial w_{jk}^{(l)}} = \\delta_j^{(l+1)} z_k^{(l)}, \\quad l = 1, 2, 3');
  right('\\frac{\\partial z_j^{(l)}}{\\partial a_j^{(l)}} = z_j^{(l)} (1 - z_j^{(l)}) \\qquad \\text{for } l = 2, \\ldots, L-1');
  wrong('\\frac{\\partial z_j^{(l)}}{\\partial a_j^{(l)}} = z_j^{(l)} (1 - z_j^{(l)}), \\quad l = 2, \\dots, L'); // the linear output layer too
  right('\\delta_j^{(l)} = h\'(a_j^{(l)}) \\sum_{k=1}^{N_{l+1}} w_{kj}^{(l)} \\delta_k^{(l+1)}');
  right(`${dE[0]('w_{11}^{(1)}')} = \\delta_1^{(2)} x_1 \\approx 0`);
  right('\\frac{d}{du} \\max(0, u) = \\mathbb{1}[u > 0]');
  right('\\frac{d}{du} \\max(0, u) = \\mathbb{1}_{u > 0}');
  wrong('\\frac{d}{du} \\max(0, u) = \\mathbb{1}[u < 0]');
  right('\\phi(u) = \\frac{1}{1 + e^{-u}}');
  right("\\phi'(u) = \\phi(u) \\left(1 - \\phi(u)\\right)");
  wrong("\\phi'(u) = \\phi(u) \\left(1 + \\phi(u)\\right)");
  return [...out, ...secondDerivatives()];
}

/** ∂²E: the output layer's Hessian block is z zᵀ; a hidden unit's adds h'' times what flows back. */
function secondDerivatives(): Claim[] {
  const out: Claim[] = [];
  const right = (latex: string) => out.push({ latex, correct: true });
  const wrong = (latex: string) => out.push({ latex, correct: false });
  const d2 = [
    (p: string, q: string) => `\\frac{\\partial^2 E_n}{\\partial ${p} \\partial ${q}}`,
    (p: string, q: string) => `\\frac{\\partial}{\\partial ${p}} \\left( \\frac{\\partial E_n}{\\partial ${q}} \\right)`,
    (p: string, q: string) => (p === q ? `\\frac{\\partial^2 E}{\\partial (${p})^2}` : `\\frac{\\partial^2}{\\partial ${p}\\, \\partial ${q}} E_n(\\mathbf{w})`),
  ];
  for (const k of range(4)) {
    for (const m of range(4)) right(`${d2[(k + m) % 3](`w_{1${k}}^{(3)}`, `w_{1${m}}^{(3)}`)} = z_${k}^{(3)} z_${m}^{(3)}`);
    wrong(`${d2[0](`w_{1${k}}^{(3)}`, `w_{1${k}}^{(3)}`)} = z_${k}^{(3)}`); // a factor missing
    right(`\\frac{\\partial \\delta_1^{(4)}}{\\partial w_{1${k}}^{(3)}} = z_${k}^{(3)}`);
  }
  right('\\frac{\\partial^2 E_n}{\\partial (a_1^{(4)})^2} = 1');
  wrong('\\frac{\\partial^2 E_n}{\\partial (a_1^{(4)})^2} = y - t_n');
  for (const j of range(4)) {
    const back = `w_{1${j}}^{(3)}`;
    right(`\\frac{\\partial^2 E_n}{\\partial (a_${j}^{(3)})^2} = h''(a_${j}^{(3)})\\, ${back} \\delta_1^{(4)} + \\left( h'(a_${j}^{(3)})\\, ${back} \\right)^2`);
    wrong(`\\frac{\\partial^2 E_n}{\\partial (a_${j}^{(3)})^2} = \\left( h'(a_${j}^{(3)})\\, ${back} \\right)^2`); // the h'' term forgotten
    right(`\\frac{\\partial^2 E_n}{\\partial (w_{${j}2}^{(2)})^2} = (z_2^{(2)})^2 \\frac{\\partial^2 E_n}{\\partial (a_${j}^{(3)})^2}`);
  }
  right("h''(a) = h(a)(1 - h(a))(1 - 2 h(a))");
  right('\\frac{d^2 \\sigma}{dx^2} = \\sigma(x)\\,(1 - \\sigma(x))\\,(1 - 2\\sigma(x))');
  right('\\frac{d^2}{dx^2} \\tanh(x) = -2 \\tanh(x) \\left(1 - \\tanh^2(x)\\right)');
  wrong('\\frac{d^2 \\sigma}{dx^2} = \\sigma(x)\\,(1 - \\sigma(x))\\,(1 + 2\\sigma(x))');
  return out;
}

/** A deep chain of one unit per layer, the vanishing-gradient exercise: w^{(l)}, a^{(l)}, δ^{(l)} need no unit index. */
function chain(relu: boolean): Claim[] {
  const out: Claim[] = [];
  const h = (l: string) => (relu ? `\\mathbb{1}[a^{(${l})} > 0]` : `h'(a^{(${l})})`);
  out.push({ latex: `\\frac{\\partial E}{\\partial w^{(1)}} = (y - t) \\prod_{l=2}^{L} ${h('l')} \\prod_{l=2}^{L-1} w^{(l)} \\, x`, correct: !relu });
  out.push({ latex: `\\frac{\\partial E}{\\partial w^{(1)}} = (y - t) \\prod_{l=2}^{L-1} ${h('l')} w^{(l)} \\cdot x`, correct: relu }); // the output is linear when hidden is relu
  out.push({ latex: `\\frac{\\partial E}{\\partial w^{(1)}} = (y - t) \\prod_{l=3}^{L} ${h('l')} \\prod_{l=2}^{L-1} w^{(l)} \\, x`, correct: false }); // one factor short
  out.push({ latex: `\\delta^{(l)} = ${h('l')}\\, w^{(l)} \\delta^{(l+1)}`, correct: true });
  out.push({ latex: `\\delta^{(l)} = w^{(l)} \\delta^{(l+1)}`, correct: false });
  out.push({ latex: `\\frac{\\partial E_n}{\\partial w^{(l)}} = \\delta^{(l+1)} z^{(l)}`, correct: true });
  out.push({ latex: `\\left| \\frac{\\partial E}{\\partial w^{(1)}} \\right| = |y - t| \\prod_{l=2}^{L-1} |w^{(l)}| \\, \\lvert x \\rvert \\prod_{l=2}^{L} \\left| ${h('l').replace(/\\mathbb\{1\}\[a\^\{\(l\)\}\s*>\s*0\]/, '\\mathbb{1}[a^{(l)} > 0]')} \\right|`, correct: !relu });
  // ReLU hidden units, a linear output: the hidden layers are what the claim is about
  out.push({ latex: relu ? 'z^{(l)} = \\max(0, w^{(l-1)} z^{(l-1)}), \\quad l = 2, \\dots, L-1' : 'z^{(l)} = \\sigma(w^{(l-1)} z^{(l-1)})', correct: true });
  out.push({ latex: relu ? 'z^{(l)} = \\max(0, w^{(l)} z^{(l-1)})' : 'z^{(l)} = \\sigma(w^{(l)} z^{(l-1)})', correct: false }); // the weight of the wrong layer
  out.push({ latex: `\\frac{\\partial E_n}{\\partial w^{(l)}} = \\delta^{(l)} z^{(l)}`, correct: false });
  return out;
}

/** Biases b_j^{(l)} beside w^{(l)} (bias: yes), or absorbed as w_{j0}^{(l)} with z_0 = 1 (bias: absorbed). */
function biases(): { yes: Claim[]; absorbed: Claim[] } {
  const yes: Claim[] = [];
  const absorbed: Claim[] = [];
  for (const l of [1, 2]) {
    for (const j of range(4)) {
      const z = l === 1 ? 'x' : 'z';
      const sum = `\\sum_k w_{${j}k}^{(${l})} ${z}_k${l === 1 ? '' : `^{(${l})}`}`;
      yes.push({ latex: `${dE[(j + l) % 4](`b_${j}^{(${l})}`)} = \\delta_${j}^{(${l + 1})}`, correct: true });
      yes.push({ latex: `${dE[0](`w_{${j}0}^{(${l})}`)} = \\delta_${j}^{(${l + 1})}`, correct: true });
      yes.push({ latex: `a_${j}^{(${l + 1})} = ${sum} + b_${j}^{(${l})}`, correct: true });
      yes.push({ latex: `a_${j}^{(${l + 1})} = ${sum}`, correct: false }); // the bias forgotten
      yes.push({ latex: `${dE[0](`b_${j}^{(${l})}`)} = \\delta_${j}^{(${l + 1})} ${z}_${j}${l === 1 ? '' : `^{(${l})}`}`, correct: false }); // read as a weight
      absorbed.push({ latex: `a_${j}^{(${l + 1})} = ${sum}`, correct: true });
      absorbed.push({ latex: `a_${j}^{(${l + 1})} = \\sum_{k=0}^{${l === 1 ? 3 : 4}} w_{${j}k}^{(${l})} ${z}_k${l === 1 ? '' : `^{(${l})}`}`, correct: true });
      absorbed.push({ latex: `a_${j}^{(${l + 1})} = \\sum_{k=1}^{${l === 1 ? 3 : 4}} w_{${j}k}^{(${l})} ${z}_k${l === 1 ? '' : `^{(${l})}`}`, correct: false }); // w_{j0} left out
      absorbed.push({ latex: `${dE[1](`w_{${j}0}^{(${l})}`)} = \\delta_${j}^{(${l + 1})} ${z}_0${l === 1 ? '' : `^{(${l})}`}`, correct: true });
    }
  }
  yes.push({ latex: `${dE[0]('b_1^{(3)}')} = y - t_n`, correct: true });
  yes.push({ latex: "\\delta_j^{(l)} = h'(a_j^{(l)}) \\sum_k w_{kj}^{(l)} \\delta_k^{(l+1)}", correct: true });
  return { yes, absorbed };
}

test('the notation corpus: no wrong claim passes; correct claims that fail or cannot be parsed are counted (target 0)', () => {
  const { yes, absorbed } = biases();
  const chainBlock = (hidden: string, output: string) => blockWith().replace('3-4-4-1', 'chain 8').replace('hidden: logistic', `hidden: ${hidden}`).replace('output: identity', `output: ${output}`);
  const sections: [string, Claim[]][] = [
    [blockWith(), corpus()], [blockWith('bias: yes'), yes], [blockWith('bias: absorbed'), absorbed],
    [chainBlock('logistic', 'logistic'), chain(false)], [chainBlock('relu', 'identity'), chain(true)],
  ];
  const claims = sections.flatMap(([, c]) => c);
  const results = checkMarkdown(sections.map(([block, c]) => block + c.map((x) => `$$${x.latex}$$\n`).join('\n')).join('\n'));
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
