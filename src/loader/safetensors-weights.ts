import path from 'node:path';

import { DTYPE_BYTES, type DType } from '../../bindings/dtype.js';
import { HipserveError, ModelFileError } from '../errors.js';
import { alignedView } from './aligned-view.js';
import { type FileBytes, mapModelFile } from './map-model-file.js';
import { readJsonFile } from './read-json-file.js';
import { parseSafetensors, type SafetensorsHeader, type SafetensorsTensorInfo } from './safetensors.js';
import type { WeightSource, WeightTensor } from './weights.js';

const DTYPES: ReadonlyMap<string, DType> = new Map<string, DType>([
  ['F32', 'f32'], ['F16', 'f16'], ['BF16', 'bf16'], ['F8_E4M3', 'fp8_e4m3'], ['F8_E5M2', 'fp8_e5m2'],
  ['U8', 'u8'], ['I8', 'i8'], ['BOOL', 'u8'], ['I32', 'i32'], ['I64', 'i64'],
]);

interface Shard {
  readonly bytes: FileBytes;
  readonly header: SafetensorsHeader;
}

/** One safetensors file or the shards named by a model.safetensors.index.json, each memory-mapped. */
export class SafetensorsWeights implements WeightSource {
  private constructor(
    readonly path: string,
    private readonly byName: ReadonlyMap<string, { shard: Shard; info: SafetensorsTensorInfo }>,
  ) {}

  /** Several files without an index (their tensor names must not repeat); `where` names the whole. */
  static openFiles(files: readonly string[], where = files[0] ?? ''): SafetensorsWeights {
    const byName = new Map<string, { shard: Shard; info: SafetensorsTensorInfo }>();
    for (const file of files) {
      const shard = openShard(file);
      for (const [name, info] of shard.header.tensors) {
        if (byName.has(name)) throw new ModelFileError(file, name, `tensor also in ${byName.get(name)!.shard.header.file}`);
        byName.set(name, { shard, info });
      }
    }
    return new SafetensorsWeights(where, byName);
  }

  /** `indexFile` is a model.safetensors.index.json; its weight_map names shards beside it. */
  static openIndex(indexFile: string): SafetensorsWeights {
    const weightMap = readWeightMap(indexFile);
    const shards = new Map<string, Shard>();
    const byName = new Map<string, { shard: Shard; info: SafetensorsTensorInfo }>();
    for (const [name, shardName] of weightMap) {
      let shard = shards.get(shardName);
      if (!shard) {
        shard = openShard(path.join(path.dirname(indexFile), shardName));
        shards.set(shardName, shard);
      }
      const info = shard.header.tensors.get(name);
      if (!info) throw new ModelFileError(indexFile, `weight_map.${name}`, `tensor is not in ${shardName}`);
      byName.set(name, { shard, info });
    }
    return new SafetensorsWeights(indexFile, byName);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): WeightTensor {
    const entry = this.byName.get(name);
    if (!entry) throw new ModelFileError(this.path, name, 'no such tensor');
    const { shard, info } = entry;
    const dtype = DTYPES.get(info.dtype);
    if (!dtype) throw new HipserveError('unsupported', `${shard.header.file}: tensor ${name} has dtype ${info.dtype}, which hipserve cannot load`);
    const data = alignedView(shard.bytes.subarray(info.start, info.end), DTYPE_BYTES[dtype]);
    return { name, dtype, shape: info.shape, data };
  }
}

function openShard(file: string): Shard {
  const { head, bytes } = mapModelFile(file);
  return { bytes, header: parseSafetensors(head, file, bytes.byteLength) };
}

function readWeightMap(indexFile: string): Map<string, string> {
  const weightMap = (readJsonFile(indexFile, 'index') as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new ModelFileError(indexFile, 'weight_map', 'expected an object of tensor name to shard file');
  }
  const out = new Map<string, string>();
  for (const [name, shard] of Object.entries(weightMap as Record<string, unknown>)) {
    if (typeof shard !== 'string' || shard === '' || path.isAbsolute(shard) || shard.split(/[\\/]/).includes('..')) {
      throw new ModelFileError(indexFile, `weight_map.${name}`, `expected a shard file beside the index, found ${JSON.stringify(shard)}`);
    }
    out.set(name, shard);
  }
  return out;
}
