// The engine report in words — every candidate engine, chosen, available, unavailable or skipped, and why — as
// the CLI prints it and the extension writes it to its log. Pure: it formats the backend's EngineInfo message.
import type { EngineInfo } from '../protocol/engine';

/** One line per candidate, for the CLI and the output channel. */
export function formatEngineReport(info: Pick<EngineInfo, 'candidates' | 'patchedKernels' | 'engine'>): string {
  const mark = { chosen: '✓ chosen   ', available: '✓ available', unavailable: '✗ unavailable', skipped: '– skipped  ' } as const;
  const lines = info.candidates.map((c) => `${mark[c.status]}  ${c.name.padEnd(4)}  ${c.source}${c.reason ? `\n                 ${c.reason}` : ''}`);
  if (info.patchedKernels.length) lines.push(`replacement kernels on ${info.engine}: ${info.patchedKernels.join(', ')}`);
  return lines.join('\n');
}
