import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import path from 'node:path';

import { HipserveError, ModelFileError } from '../errors.js';
import { parseGguf, type Gguf } from './gguf.js';
import { ggufToModelConfig } from './gguf-config.js';
import { GgufWeights } from './gguf-weights.js';
import { hfToModelConfig } from './hf-config.js';
import { mapModelFile } from './map-model-file.js';
import type { ModelConfig } from './model-config.js';
import { readJsonFile } from './read-json-file.js';
import { SafetensorsWeights } from './safetensors-weights.js';
import type { WeightSource } from './weights.js';

export type ModelFiles = { config: ModelConfig; weights: WeightSource } & (
  /** dir: the Hugging Face folder (tokenizer.json and friends live here). */
  | { format: 'safetensors'; dir: string }
  /** gguf: the parsed file (its tokenizer.ggml.* metadata holds the vocabulary). */
  | { format: 'gguf'; gguf: Gguf }
);

/** A Hugging Face folder (config.json + safetensors) or a .gguf file (or a folder holding exactly one). */
export function loadModelFiles(modelPath: string): ModelFiles {
  if (!existsSync(modelPath)) throw new HipserveError('model_not_found', `${modelPath}: no such file or directory`);
  if (!statSync(modelPath).isDirectory()) {
    if (isGguf(modelPath)) return loadGguf(modelPath);
    throw new ModelFileError(modelPath, 'path', 'is not a GGUF file (give a .gguf file or a Hugging Face model folder)');
  }
  const entries = readdirSync(modelPath);
  if (entries.includes('config.json')) {
    const weights = openSafetensors(modelPath, entries);
    if (weights) return { config: readHfConfig(modelPath), weights, format: 'safetensors', dir: modelPath };
  }
  const ggufs = entries.filter((e) => e.endsWith('.gguf'));
  if (ggufs.length === 1) return loadGguf(path.join(modelPath, ggufs[0]!));
  const detail = ggufs.length > 1
    ? `holds ${ggufs.length} .gguf files (${ggufs.join(', ')}): name one`
    : 'holds neither a Hugging Face model (config.json with *.safetensors) nor a .gguf file';
  throw new ModelFileError(modelPath, 'path', detail);
}

function isGguf(file: string): boolean {
  if (file.endsWith('.gguf')) return true;
  const head = new Uint8Array(4);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  return new TextDecoder().decode(head) === 'GGUF';
}

function loadGguf(file: string): ModelFiles {
  const { head, bytes } = mapModelFile(file);
  const gguf = parseGguf(head, file, bytes.byteLength);
  return { config: ggufToModelConfig(gguf, bytes), weights: new GgufWeights(file, bytes, gguf), format: 'gguf', gguf };
}

function openSafetensors(dir: string, entries: readonly string[]): SafetensorsWeights | null {
  if (entries.includes('model.safetensors.index.json')) {
    return SafetensorsWeights.openIndex(path.join(dir, 'model.safetensors.index.json'));
  }
  const files = entries.filter((e) => e.endsWith('.safetensors')).sort();
  return files.length ? SafetensorsWeights.openFiles(files.map((f) => path.join(dir, f)), dir) : null;
}

function readHfConfig(dir: string): ModelConfig {
  const generation = path.join(dir, 'generation_config.json');
  const file = path.join(dir, 'config.json');
  return hfToModelConfig(readJsonFile(file), file, existsSync(generation) ? readJsonFile(generation) : undefined);
}
