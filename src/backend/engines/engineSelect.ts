// The order of engines and the choice among them, kept free of I/O so the logic (including the GPU path, which
// these machines cannot exercise for real) is unit-tested with any combination of outcomes.
import type { EngineCandidate, EngineTensorFlow } from '../../protocol/engine';
import type { EngineName } from '../../protocol/experiment';

export const engineOrder: readonly EngineName[] = ['gpu', 'cpu', 'wasm', 'js'];

export const engineSources: Record<EngineName, string> = {
  gpu: '@tensorflow/tfjs-node-gpu',
  cpu: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm (SIMD)',
  js: '@tensorflow/tfjs (pure JavaScript)',
};

export const engineEnvVar = 'GRADIENT_LAB_ENGINE';

export interface TryResult {
  ok: boolean;
  reason?: string;
  tensorflow?: EngineTensorFlow;
}

export class EngineUnavailableError extends Error {
  constructor(message: string, readonly candidates: EngineCandidate[]) {
    super(message);
  }
}

/** Parse a forced engine name from the env var / setting / experiment; throws on a name that is not an engine. */
export function parseEngineName(value: string | undefined, from: string): EngineName | undefined {
  if (value === undefined || value === '' || value === 'auto') return undefined;
  if ((engineOrder as readonly string[]).includes(value)) return value as EngineName;
  throw new EngineUnavailableError(`${from}: unknown engine '${value}' (expected one of: auto, ${engineOrder.join(', ')})`, []);
}

/**
 * Try engines in order and take the first that works. A forced engine is the only one tried; if it fails,
 * that is an error that says why rather than a silent fallback. `all` keeps trying after a success (for
 * `gradient-lab engines`, which reports every candidate).
 */
export async function selectEngine(
  tryEngine: (name: EngineName) => Promise<TryResult>,
  options: { forced?: EngineName; forcedBy?: string; all?: boolean } = {},
): Promise<{ engine: EngineName; candidates: EngineCandidate[] }> {
  const candidates: EngineCandidate[] = [];
  let chosen: EngineName | undefined;
  for (const name of engineOrder) {
    const source = engineSources[name];
    if (options.forced && name !== options.forced) {
      candidates.push({ name, source, status: 'skipped', reason: `${options.forcedBy ?? 'forced'}=${options.forced}` });
      continue;
    }
    if (chosen && !options.all) {
      candidates.push({ name, source, status: 'skipped', reason: `not needed: ${chosen} is preferred` });
      continue;
    }
    const result = await tryEngine(name);
    if (!result.ok) {
      candidates.push({ name, source, status: 'unavailable', reason: result.reason ?? 'failed to load' });
    } else {
      const status = chosen ? 'available' : 'chosen';
      chosen ??= name;
      candidates.push({ name, source, status, reason: result.reason, ...(result.tensorflow ? { tensorflow: result.tensorflow } : {}) });
    }
  }
  if (!chosen) {
    const why = candidates.filter((c) => c.status === 'unavailable').map((c) => `${c.name}: ${c.reason}`).join('; ');
    const message = options.forced
      ? `${options.forcedBy ?? 'forced'}=${options.forced}, but that engine is unavailable — ${why}`
      : `no TensorFlow.js engine could be loaded — ${why}`;
    throw new EngineUnavailableError(message, candidates);
  }
  return { engine: chosen, candidates };
}
