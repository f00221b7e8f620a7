// The engine messages between host and backend: which TF.js engine runs, on which TensorFlow, and why; memory.
import { RequestType0 } from 'vscode-jsonrpc';
import type { EngineName } from './experiment';

export interface EngineCandidate {
  name: EngineName;
  /** The package or backend it stands for, e.g. '@tensorflow/tfjs-node-gpu'. */
  source: string;
  /** chosen: the engine in use; available: works but a preferred one was chosen; skipped: not tried. */
  status: 'chosen' | 'available' | 'unavailable' | 'skipped';
  /** Why it is unavailable or was skipped, in words a person can act on; notes for the others. */
  reason?: string;
  /** The TensorFlow library behind a native engine that loaded. */
  tensorflow?: EngineTensorFlow;
}

export interface EngineTensorFlow {
  /** As the library itself reports it (TF_Version). */
  version: string;
  /** The folder of libtensorflow. */
  path: string;
  /** Where it was found: GRADIENT_LAB_TENSORFLOW, a Python environment, Gradient Lab's own TensorFlow… */
  from: string;
  build: 'cpu' | 'gpu';
  cuda?: string;
  /** The GPU TensorFlow created a device on. */
  device?: string;
}

export interface EngineInfo {
  engine: EngineName;
  /** The TF.js backend name, e.g. 'tensorflow', 'wasm', 'cpu'. */
  backend: string;
  tfjsVersion: string;
  /** Every candidate in order of preference, including the chosen one. */
  candidates: EngineCandidate[];
  /** Replacement kernels registered for this engine (e.g. wasm's missing Conv2DBackpropFilter). */
  patchedKernels: string[];
  forcedBy?: string;
  /** The TensorFlow the chosen native engine runs on. */
  tensorflow?: EngineTensorFlow;
}

/** What the backend holds in memory: for leak checks (the soak bench) and diagnostics. */
export interface BackendMemory {
  rssBytes: number;
  heapUsedBytes: number;
  /** Typed arrays and Buffers (images, datasets), outside the JS heap. */
  arrayBufferBytes: number;
  /** The wasm engine's linear memory (it grows, never shrinks); 0 on other engines. */
  wasmHeapBytes: number;
  /** TF.js tensors alive, and backend data buffers (which an extra incRef keeps alive without a tensor). */
  numTensors: number;
  numDataIds: number;
  tensorBytes: number;
}

export const EngineInfoRequest = new RequestType0<EngineInfo, void>('engine/info');
export const BackendMemoryRequest = new RequestType0<BackendMemory, void>('backend/memory');
