// The derivation checker in a thread of its own (started by checkerThread.ts): a file of slow claims never stalls
// the training loop or the backend's other requests.
import { parentPort } from 'node:worker_threads';
import { checkMarkdown, needsDeclaration, suggestBlock } from './checkFile';
import type { CheckRequest, CheckerMessage } from './checkerThread';

parentPort!.on('message', ({ id, text }: CheckRequest) => {
  const post = (m: CheckerMessage) => parentPort!.postMessage(m);
  try {
    const t0 = performance.now();
    const results = checkMarkdown(text, (result) => post({ id, result }));
    post({ id, done: { results, suggestedBlock: needsDeclaration(text) ? suggestBlock(text) : undefined, ms: performance.now() - t0 } });
  } catch (e) {
    post({ id, error: (e as Error)?.message ?? String(e) });
  }
});
