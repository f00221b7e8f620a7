// Training progress in a terminal: one redrawn line on a TTY, plain lines every few seconds otherwise (logs,
// CI), JSON lines with --json.
import type { RunEvent } from '../../protocol/runEvents';
import { ProgressTracker } from '../../runs/progress';

const pct = (x: number | undefined) => (x === undefined ? '–' : `${(100 * x).toFixed(2)}%`);
const num = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(4));

export function progressPrinter(mode: 'tty' | 'plain' | 'json', out: NodeJS.WritableStream = process.stdout): (e: RunEvent) => void {
  const tracker = new ProgressTracker();
  let samples = 0;
  let ms = 0;
  let lastPlain = 0;
  let lineOpen = false;
  const endLine = () => {
    if (lineOpen) out.write('\n');
    lineOpen = false;
  };
  return (e) => {
    if (mode === 'json') return void out.write(JSON.stringify(e) + '\n');
    const at = tracker.update(e);
    switch (e.type) {
      case 'started':
        out.write(`run ${e.runId} on ${e.engine}: ${e.trainSize} training${e.unlabeledSize ? ` + ${e.unlabeledSize} unlabeled` : ''} / ${e.validationSize} validation / ${e.testSize} test images\n  ${e.folder}\n`);
        if (e.summary?.base) out.write(`base ${e.summary.base.file} cut at ${e.summary.base.cutAt} (${e.summary.base.featureDim} features); ${e.summary.trainableParams.toLocaleString('en')} of ${e.summary.totalParams.toLocaleString('en')} parameters trainable\n`);
        for (const w of e.warnings ?? []) out.write(`warning: ${w}\n`);
        break;
      case 'features':
        endLine();
        out.write(e.cache === 'off' ? `features: ${e.note}\n` : `features of ${e.images} images (${e.dim} each): ${e.cache === 'hit' ? 'read from the cache' : 'computed by the frozen base and cached'} in ${e.seconds.toFixed(1)} s\n  ${e.folder}\n${e.note ? `  note: ${e.note}\n` : ''}`);
        break;
      case 'phase':
        endLine();
        out.write(`unfreeze from epoch ${e.epoch}${e.reason === "patience" ? " (validation loss stopped improving)" : ""}: ${e.unfrozenLayers.length} layer${e.unfrozenLayers.length === 1 ? "" : "s"} with weights trainable (${e.trainableParams.toLocaleString('en')} parameters), learning rate ${e.learningRate}\n`);
        break;
      case 'round':
        endLine();
        out.write(`round ${e.round}: ${e.method === 'none' ? `${e.labeled} labeled images only (baseline)` : `${e.labeled} labeled + ${e.pseudoLabels} pseudo-labelled (p ≥ ${e.threshold}, weight ${e.weight.toFixed(2)}; ${e.pseudoLabels ? pct(e.pseudoCorrect / e.pseudoLabels) : '–'} of them right)`}\n`);
        break;
      case 'batch': {
        samples += e.samples;
        ms += e.stepMs;
        const { stepInEpoch: inEpoch, stepsPerEpoch, totalEpochs } = at!;
        const text = `epoch ${e.epoch}/${totalEpochs} step ${inEpoch}/${stepsPerEpoch}  loss ${num(e.loss)}  acc ${pct(e.accuracy)}  ${((1000 * samples) / ms).toFixed(0)} samples/s`;
        if (mode === 'tty') {
          const width = 20;
          const filled = Math.round((width * inEpoch) / stepsPerEpoch);
          out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
          lineOpen = true;
        } else if (Date.now() - lastPlain > 3000 || inEpoch === stepsPerEpoch) {
          lastPlain = Date.now();
          out.write(text + '\n');
        }
        break;
      }
      case 'epoch':
        endLine();
        out.write(`epoch ${e.epoch}: train loss ${num(e.trainLoss)} acc ${pct(e.trainAccuracy)} | validation loss ${num(e.valLoss)} acc ${pct(e.valAccuracy)}${e.best ? ' (best so far)' : ''}  ${e.seconds.toFixed(1)} s\n`);
        break;
      case 'finished':
        endLine();
        out.write(e.status === 'cancelled'
          ? `cancelled after ${e.steps} steps; the run is kept.\n`
          : `${e.stoppedEarly ? `stopped early after epoch ${e.epochsDone} (validation loss stopped improving)\n` : ''}` +
            `${e.restoredEpoch !== undefined ? `restored the best checkpoint (epoch ${e.restoredEpoch}, validation loss ${num(e.bestValLoss)})\n` : ''}` +
            `test accuracy ${pct(e.test?.accuracy)} (loss ${num(e.test?.loss)}), ${e.samplesPerSec.toFixed(0)} samples/s on ${e.engine}, ${e.seconds.toFixed(1)} s\n` +
            (e.outputs ?? []).map((f) => `  wrote ${f}\n`).join(''));
        break;
      case 'failed':
        endLine();
        out.write(`failed: ${e.message}\n`);
        break;
    }
  };
}
