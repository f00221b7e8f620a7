// Gradient Lab's own TensorFlow: pip's tensorflow-cpu in a venv in its storage (<storage>/python/venv), for a machine
// whose Python has none. Only on request (the CLI's native-setup, the extension's install command with consent).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The pip package and version installed: the TensorFlow the native engine is built and tested against. */
export const tensorflowRequirement = 'tensorflow-cpu==2.21.0';

export class TensorFlowInstallError extends Error {}

/** python -m venv <storage>/python/venv, then pip install; returns the venv's site-packages folder's parent venv. */
export function installTensorFlow(storage: string, options: { python?: string; requirement?: string; log?: (line: string) => void } = {}): string {
  const python = options.python ?? 'python3';
  const venv = join(storage, 'python', 'venv');
  const log = options.log ?? (() => {});
  const run = (cmd: string, args: string[], what: string) => {
    try {
      execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30 * 60_000 });
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
      if (err.code === 'ENOENT') throw new TensorFlowInstallError(`${what}: ${cmd} was not found (the native engine needs Python 3 with venv and pip)`);
      const lines = String(err.stderr ?? err.message).trim().split('\n').filter((l) => /error|could not|no matching/i.test(l));
      throw new TensorFlowInstallError(`${what} failed: ${lines.slice(0, 4).join(' ') || err.message}`);
    }
  };
  if (!existsSync(join(venv, 'bin', 'pip'))) {
    log(`creating a Python environment in ${venv}`);
    run(python, ['-m', 'venv', venv], `${python} -m venv`);
  }
  const requirement = options.requirement ?? tensorflowRequirement;
  log(`pip install ${requirement} (about 250 MB)`);
  run(join(venv, 'bin', 'pip'), ['install', '--disable-pip-version-check', '-q', requirement], `pip install ${requirement}`);
  return venv;
}
