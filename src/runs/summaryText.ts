// A model summary as text, like Keras' model.summary(): the CLI prints it, the extension writes it to its log.
import type { ModelSummary } from '../protocol/runEvents';

export function formatModelSummary(s: ModelSummary): string {
  const lines: string[] = [];
  if (s.base) lines.push(`base: ${s.base.file} (${s.base.kind} model), cut at ${s.base.cutAt}, input ${s.base.input.join('×')}, ${s.base.featureDim} features`);
  const width = Math.max(10, ...s.rows.map((r) => r.name.length));
  const typeWidth = Math.max(6, ...s.rows.map((r) => r.type.length));
  lines.push(`${'layer'.padEnd(width)}  ${'type'.padEnd(typeWidth)}  ${'output shape'.padEnd(22)}${'params'.padStart(11)}  trainable`);
  for (const r of s.rows) lines.push(`${r.name.padEnd(width)}  ${r.type.padEnd(typeWidth)}  ${r.outputShape.padEnd(22)}${r.params.toLocaleString('en').padStart(11)}  ${r.params ? (r.trainable ? 'yes' : 'frozen') : ''}`.trimEnd());
  lines.push(`total ${s.totalParams.toLocaleString('en')} parameters, ${s.trainableParams.toLocaleString('en')} trainable, ${(s.totalParams - s.trainableParams).toLocaleString('en')} frozen`);
  return lines.join('\n');
}
