// A Keras model file (.keras) as a fine-tune's base: cut before its classifier (or at base.cutAt) and exported as a
// TensorFlow SavedModel by Keras itself, once, into the model cache — the native engine then runs it. Needs a Python
// with Keras 3: GRADIENT_LAB_PYTHON, Gradient Lab's own venv (where "Install TensorFlow for Gradient Lab…" puts
// it), or python3.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { defaultStorageRoots, pythonEnvVar } from '../../native/tensorflowLocate';
import { DataError } from '../data/idxReader';

const converter = `
import os, sys
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras
source, out, cut = sys.argv[1], sys.argv[2], sys.argv[3]
model = keras.saving.load_model(source, compile=False)
if cut:
    layer = model.get_layer(cut)
else:  # the layer before the classifier, as Gradient Lab cuts a TF.js base
    classifier = (keras.layers.Dense, keras.layers.Dropout, keras.layers.Activation, keras.layers.Softmax, keras.layers.Flatten, keras.layers.Reshape)
    layers = [l for l in model.layers if not isinstance(l, keras.layers.InputLayer)]
    i = len(layers) - 1
    while i > 0 and isinstance(layers[i], classifier):
        i -= 1
    layer = layers[i]
try:
    cut_model = keras.Model(model.inputs, layer.output)
except ValueError:  # a nested model's output lives in its own graph: run the chain of layers up to it
    x = inputs = keras.Input(model.inputs[0].shape[1:])
    for l in model.layers:
        if not isinstance(l, keras.layers.InputLayer):
            x = l(x)
        if l is layer:
            break
    cut_model = keras.Model(inputs, x)
cut_model.export(out, verbose=False)
print(layer.name)
`;

/** Python executables that may have Keras, in the order they are tried. */
function pythons(): string[] {
  const own = defaultStorageRoots().map((root) => join(root, 'python', 'venv', 'bin', 'python'));
  return [process.env[pythonEnvVar], ...own, 'python3'].filter((p): p is string => !!p && (p === 'python3' || existsSync(p)));
}

/** The SavedModel folder for a .keras file (converted now, or found in the cache), and the layer it was cut at.
 *  Keras runs in a child process, awaited: the backend keeps answering (a cancel, another request) meanwhile. */
export async function savedModelFromKeras(file: string, cutAt: string | undefined, cacheDir: string): Promise<{ folder: string; cutAt: string }> {
  const key = createHash('sha256').update(readFileSync(file)).update(`cut:${cutAt ?? ''}`).digest('hex').slice(0, 16);
  const folder = join(cacheDir, `keras-${key}`);
  if (existsSync(join(folder, 'saved_model.pb')) && existsSync(join(folder, 'cut.txt'))) return { folder, cutAt: readFileSync(join(folder, 'cut.txt'), 'utf8') };
  const tmp = `${folder}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });
  const failures: string[] = [];
  for (const python of pythons()) {
    try {
      const { stdout } = await promisify(execFile)(python, ['-c', converter, file, tmp, cutAt ?? ''], { encoding: 'utf8', timeout: 600_000, maxBuffer: 16 << 20 });
      const cut = stdout.trim().split('\n').at(-1)!;
      writeFileSync(join(tmp, 'cut.txt'), cut);
      rmSync(folder, { recursive: true, force: true });
      renameSync(tmp, folder);
      return { folder, cutAt: cut };
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      const stderr = String((e as { stderr?: string }).stderr ?? (e as Error).message).trim().split('\n');
      failures.push(`${python}: ${stderr.at(-1)}`);
    }
  }
  throw new DataError(`base.model: ${file} is a Keras model; converting it to a SavedModel needs a Python with Keras 3 (set ${pythonEnvVar}, or "Gradient Lab: Install Native TensorFlow Engine…" → Install TensorFlow for Gradient Lab). Tried: ${failures.join('; ')}`);
}
