// How fast derivations are checked: a 40-claim file (all checks, and when the first result is known), a 40-claim
// convolution derivation, 10,000
// characters of garbage, and a claim that hits the work limit. Medians of several rounds; timings live here, not
// in tests. Run: npm run build && node dist/bench/gradcheckSpeed.js
import { checkMarkdown } from '../src/backend/gradcheck/checkFile';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function rounds(name: string, text: string, n = 7): void {
  const total: number[] = [];
  const first: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    let firstAt: number | undefined;
    checkMarkdown(text, () => (firstAt ??= performance.now() - t0));
    total.push(performance.now() - t0);
    first.push(firstAt ?? NaN);
  }
  console.log(`${name.padEnd(44)} median ${median(total).toFixed(1).padStart(8)} ms   first result ${median(first).toFixed(1).padStart(7)} ms   (${n} rounds)`);
}

const claims = Array.from({ length: 40 }, (_, i) => `$$\\delta_${(i % 4) + 1}^{(2)} = h'(a_${(i % 4) + 1}^{(2)}) \\sum_{k=1}^{4} w_{k${(i % 4) + 1}}^{(2)} \\delta_k^{(3)}$$`);
rounds('40 backprop claims (3-4-4-1, logistic)', '```gradcheck\nnetwork: 3-4-4-1\nhidden: logistic\n```\n\n' + claims.join('\n\n'));
// backprop through a convolution: 40 claims in index form and whole arrays on a 6×6 layer with a 3×3 kernel
const conv = [
  '\\frac{\\partial L}{\\partial w_{a,b}} = \\sum_{i,j} \\frac{\\partial L}{\\partial y_{i,j}} x_{i+a,j+b}',
  '\\frac{\\partial L}{\\partial x_{m,n}} = \\sum_{a,b} \\frac{\\partial L}{\\partial y_{m-a,n-b}} w_{a,b}',
  'y_{i,j} = \\sum_{a,b} w_{a,b} x_{i+a,j+b}',
  '\\frac{\\partial L}{\\partial x} = \\text{pad}\\left(\\frac{\\partial L}{\\partial y}, 2\\right) \\star \\text{rot180}(w)',
];
const convClaims = Array.from({ length: 40 }, (_, i) => `$$${conv[i % conv.length]}$$`);
rounds('40 conv claims (6×6 input, 3×3 kernel)', '```gradcheck\nmode: conv\ninput: 6x6\nkernel: 3x3\n```\n\n' + convClaims.join('\n\n'));
const chars = '\\{}[]()^_=+-&%abcxyz0123456789 \\frac\\sum\\partial\\left\\right';
let seed = 5;
const garbage = Array.from({ length: 10_000 }, () => chars[(seed = (seed * 16807) % 2147483647) % chars.length]).join('');
rounds('10,000 characters of garbage', `\`\`\`gradcheck\nnetwork: 2-2-1\n\`\`\`\n\n$$a_1^{(2)} = ${garbage}$$\n`);
rounds('a \\sum at the work limit (cannot check)', '```gradcheck\nnetwork: 2-2-1\n```\n\n$$\\sum_{k=1}^{100000} k = 5000050000$$\n\n$$\\sum_{j=1}^{100000}\\sum_{k=1}^{100000} 1 = 0$$\n', 3);
