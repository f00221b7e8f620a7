// Where an experiment file may make Gradient Lab write: inside the workspace (or the experiment's folder, or the
// runs folder) unless the user explicitly allows more, never onto the experiment, the runs or a folder holding them,
// and never over anything Gradient Lab did not write itself. An experiment file can come from someone else.
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

export interface OutputRoots {
  /** The workspace folder (the CLI: the current directory). */
  workspace?: string;
  experimentPath?: string;
  runsFolder?: string;
  /** The user said so outright (CLI --allow-outside-workspace): any folder, still never over foreign files. */
  allowOutside?: boolean;
}

/** The real path of `p`, or of its nearest existing ancestor with the rest appended (symlinks cannot escape). */
function realish(p: string): string {
  const rest: string[] = [];
  let at = resolve(p);
  while (!existsSync(at)) {
    const up = dirname(at);
    if (up === at) break;
    rest.unshift(at.slice(up.length).replace(/^[\\/]/, ''));
    at = up;
  }
  try {
    return resolve(realpathSync(at), ...rest);
  } catch {
    return resolve(p);
  }
}

/** `inner` lies inside `outer` (or is it, with `orSame`). */
export function isInside(inner: string, outer: string, orSame = false): boolean {
  const r = relative(outer, inner);
  if (r === '') return orSame;
  return !r.startsWith('..') && !isAbsolute(r) && !r.startsWith(`..${sep}`);
}

/** A folder that Gradient Lab wrote as a saved model: model.json ("convertedBy": "Gradient Lab") and weights.bin only. */
export function isOurModelFolder(dir: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return false;
    const entries = readdirSync(dir);
    if (!entries.every((e) => e === 'model.json' || e === 'weights.bin')) return false;
    return JSON.parse(readFileSync(`${dir}/model.json`, 'utf8')).convertedBy === 'Gradient Lab';
  } catch {
    return false;
  }
}

/**
 * The absolute folder `target` names, or the reason it may not be written (a sentence naming what to do).
 * Relative targets are read from the experiment's folder.
 */
export function checkModelOutput(target: string, roots: OutputRoots): { dir: string } | { problem: string } {
  if (!target.trim()) return { problem: 'is empty: name a new folder for the model, e.g. "models/my-model"' };
  const base = roots.experimentPath ? dirname(roots.experimentPath) : roots.workspace ?? process.cwd();
  const dir = realish(isAbsolute(target) ? target : resolve(base, target));
  const allowed = [roots.workspace, roots.experimentPath && dirname(roots.experimentPath), roots.runsFolder].filter((r): r is string => !!r).map(realish);
  const guarded = [...allowed, roots.experimentPath && realish(roots.experimentPath), roots.runsFolder && realish(roots.runsFolder)].filter((r): r is string => !!r);
  const holds = guarded.find((g) => isInside(g, dir, true));
  if (holds) return { problem: `${dir} is or holds ${holds}: saving the model there would replace it. Name a new folder, e.g. "models/my-model"` };
  if (!roots.allowOutside && !allowed.some((root) => isInside(dir, root))) {
    return { problem: `${dir} is outside the workspace (${allowed[0] ?? base}): save the model to a folder inside it, or pass --allow-outside-workspace on the command line` };
  }
  if (existsSync(dir) && !isOurModelFolder(dir)) {
    return { problem: `${dir} already exists and is not a model folder written by Gradient Lab: name a new folder (nothing there is replaced)` };
  }
  return { dir };
}
