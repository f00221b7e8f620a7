// Which TensorFlow and which addon a native engine would take, for every combination — the GPU ones included, which
// these machines (no GPU) can only check here: the real run of the CPU path is in test/integration/native.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseNativeTarget, unsupportedVersion } from '../../src/native/nativeTarget';
import { explainTensorFlowFailure, gpuDeviceName, missingLibraryIn } from '../../src/native/nativeProbe';
import { cudaBuildInfo, inspectTensorFlowDir, type TensorFlowFound } from '../../src/native/tensorflowLocate';
import { tempDir } from '../helpers/fixtures';

const cpuTf: TensorFlowFound = { from: 'Python (/usr/bin/python3)', libDir: '/site/tensorflow', library: 'libtensorflow_cc.so.2', version: '2.21.0', distribution: 'tensorflow-cpu' };
const gpuTf: TensorFlowFound = { ...cpuTf, distribution: 'tensorflow', cuda: { cuda: '12.5.1', cudnn: '9' } };
const none = { skipped: [{ from: 'Python (python3)', reason: 'python3 has no tensorflow package' }] };

test('the CPU engine takes our addon with any supported TensorFlow; the GPU engine only with a CUDA build', () => {
  assert.deepEqual(chooseNativeTarget('cpu', { builtAddon: '/addon', tensorflow: { found: cpuTf, skipped: [] } }).target, { kind: 'addon', path: '/addon', tensorflow: cpuTf });
  assert.equal(chooseNativeTarget('cpu', { builtAddon: '/addon', tensorflow: { found: gpuTf, skipped: [] } }).target?.kind, 'addon');
  assert.equal(chooseNativeTarget('gpu', { builtAddon: '/addon', tensorflow: { found: gpuTf, skipped: [] } }).target?.tensorflow, gpuTf);
  const cpuOnly = chooseNativeTarget('gpu', { builtAddon: '/addon', tensorflow: { found: cpuTf, skipped: [] } });
  assert.equal(cpuOnly.target, undefined);
  assert.match(cpuOnly.reason!, /TensorFlow 2\.21\.0 \(tensorflow-cpu\), CPU build from Python .* a CPU build, so there is no GPU engine; .*tensorflow\[and-cuda\]/);
});

test('without a TensorFlow, the addon says which sources were tried; the npm package is the fallback; nothing → how to add it', () => {
  const noTf = chooseNativeTarget('cpu', { builtAddon: '/addon', tensorflow: none });
  assert.match(noTf.reason!, /the native addon is built, but no TensorFlow was found to run it on — Python \(python3\): python3 has no tensorflow package/);
  assert.deepEqual(chooseNativeTarget('cpu', { builtAddon: '/addon', tensorflow: none, npmPackage: '/nm/tfjs-node/dist/index.js' }).target, { kind: 'package', path: '/nm/tfjs-node/dist/index.js' });
  assert.deepEqual(chooseNativeTarget('gpu', { tensorflow: none, npmPackage: '/nm/tfjs-node-gpu/dist/index.js' }).target, { kind: 'package', path: '/nm/tfjs-node-gpu/dist/index.js' });
  assert.match(chooseNativeTarget('gpu', { tensorflow: none }).reason!, /@tensorflow\/tfjs-node-gpu is not installed: .*Install Native TensorFlow Engine/);
});

test('TensorFlow versions: 2.9 and later 2.x are used; older or 3.x are refused before loading, with the reason', () => {
  for (const v of ['2.9.1', '2.16.2', '2.21.0', undefined]) assert.equal(unsupportedVersion(v), undefined, String(v));
  assert.match(unsupportedVersion('2.4.0')!, /TensorFlow 2\.4\.0 is too old/);
  assert.match(unsupportedVersion('3.0.0')!, /newer than this addon knows/);
  const old = chooseNativeTarget('cpu', { builtAddon: '/addon', tensorflow: { found: { ...cpuTf, version: '1.15.5' }, skipped: [] } });
  assert.match(old.reason!, /TensorFlow 1\.15\.5 is too old: the native engine needs TensorFlow 2\.9 or later 2\.x \(its C API\) \(found at \/site\/tensorflow\)/);
});

test('a CUDA build is told from build_info.py; a GPU device and a missing CUDA library are read from TensorFlow\'s log', () => {
  assert.deepEqual(cudaBuildInfo("build_info = collections.OrderedDict([('cpu_compiler', '/usr/bin/clang'), ('cuda_compute_capabilities', ['sm_60']), ('cuda_version', '12.5.1'), ('cudnn_version', '9'), ('is_cuda_build', True), ('is_rocm_build', False)])"), { cuda: '12.5.1', cudnn: '9' });
  assert.equal(cudaBuildInfo("build_info = collections.OrderedDict([('is_cuda_build', False), ('is_rocm_build', False)])"), undefined);
  const log = 'I0000 gpu_device.cc:2020] Created device /job:localhost/replica:0/task:0/device:GPU:0 with 22259 MB memory:  -> device: 0, name: NVIDIA L4, pci bus id: 0000:00:03.0, compute capability: 8.9';
  assert.equal(gpuDeviceName(log), 'NVIDIA L4');
  assert.equal(gpuDeviceName('I0000 cpu_feature_guard.cc:227] This TensorFlow binary is optimized'), undefined);
  assert.equal(missingLibraryIn("W0000 cuda_dnn.cc:8] Could not load dynamic library 'libcudnn.so.9'; dlerror: libcudnn.so.9: cannot open shared object file"), 'libcudnn.so.9');
  assert.match(explainTensorFlowFailure(gpuTf, 'libcublasLt.so.12: cannot open shared object file: No such file or directory'), /CUDA 12\.5\.1 build .* the shared library libcublasLt\.so\.12 was not found \(a CUDA library: pip install "tensorflow\[and-cuda\]" brings them\)/);
  assert.match(explainTensorFlowFailure(cpuTf, '/x/tfjs_binding.node: undefined symbol: TFE_NewContextOptions'), /lacks TFE_NewContextOptions, which the native addon calls: this TensorFlow's C API is too old/);
});

test('a TensorFlow folder is read as site-packages, its tensorflow folder, or a libtensorflow folder (lib/ + include/)', () => {
  const site = tempDir();
  const tfDir = join(site, 'tensorflow');
  mkdirSync(join(tfDir, 'python', 'platform'), { recursive: true });
  mkdirSync(join(tfDir, 'include', 'tensorflow', 'c'), { recursive: true });
  mkdirSync(join(site, 'tensorflow-2.20.0.dist-info'));
  for (const f of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2', join('include', 'tensorflow', 'c', 'c_api.h')]) writeFileSync(join(tfDir, f), '');
  writeFileSync(join(tfDir, 'python', 'platform', 'build_info.py'), "build_info = collections.OrderedDict([('cuda_version', '12.5.1'), ('cudnn_version', '9'), ('is_cuda_build', True)])");
  for (const named of [site, tfDir]) {
    const found = inspectTensorFlowDir(named, 'test') as TensorFlowFound;
    assert.deepEqual(found, { from: 'test', libDir: tfDir, library: 'libtensorflow_cc.so.2', includeDir: join(tfDir, 'include'), distribution: 'tensorflow', version: '2.20.0', cuda: { cuda: '12.5.1', cudnn: '9' } });
  }
  const tarball = tempDir();
  mkdirSync(join(tarball, 'lib'));
  mkdirSync(join(tarball, 'include', 'tensorflow', 'c'), { recursive: true });
  writeFileSync(join(tarball, 'include', 'tensorflow', 'c', 'c_api.h'), '');
  writeFileSync(join(tarball, 'lib', 'libtensorflow.so.2.9.1'), '');
  symlinkSync('libtensorflow.so.2.9.1', join(tarball, 'lib', 'libtensorflow.so.2'));
  assert.match(inspectTensorFlowDir(tarball, 'test') as string, /has libtensorflow\.so\.2 but not libtensorflow_framework\.so\.2/);
  writeFileSync(join(tarball, 'lib', 'libtensorflow_framework.so.2'), '');
  assert.deepEqual(inspectTensorFlowDir(tarball, 'test'), { from: 'test', libDir: join(tarball, 'lib'), library: 'libtensorflow.so.2', includeDir: join(tarball, 'include') });
  assert.match(inspectTensorFlowDir(join(tarball, 'nope'), 'test') as string, /does not exist/);
  assert.match(inspectTensorFlowDir(tempDir(), 'test') as string, /^no libtensorflow_cc\.so\.2 or libtensorflow\.so\.2 in /);
});
