/**
 * Every native entry must turn malformed input into a coded JS error, never a crash. For each function in
 * addon.ops (so ops added later are covered too) a child process makes thousands of bad calls, sync and async:
 * missing args, wrong types and dtypes, shapes that disagree or reach past the buffer, bad strides, unaligned
 * data, out-of-range indices, zero-size batches and NaN numbers. The test asserts the child exits normally and
 * that each call threw an Error whose `code` starts with HS_.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serialize } from 'node:v8';

import { afterAll, describe, expect, it } from 'vitest';

import { loadAddon } from '../../bindings/addon.js';
import { DTYPE_BYTES, type DType } from '../../bindings/dtype.js';
import { Tensor, type TensorArg } from '../../bindings/tensor.js';

/**
 * One argument of an op. Tensors: bad = values that make it invalid; strided = the op reads it through any
 * innermost stride; free = dims whose size no other argument fixes (a vocabulary, a cache's capacity).
 */
type ArgSpec =
  | { kind: 'tensor'; dtypes: readonly DType[]; optional?: boolean; bad?: readonly number[]; strided?: boolean;
      free?: readonly number[] }
  | { kind: 'number'; bad: readonly unknown[] }
  | { kind: 'boolean' }
  | { kind: 'options'; bad: readonly unknown[] };

/** How to call one op: what each argument is, and a valid argument list for a batch of n. */
interface OpTable {
  readonly specs: readonly ArgSpec[];
  build(n: number): unknown[];
}

const ALL_DTYPES: readonly DType[] = ['f32', 'f16', 'bf16', 'i32', 'i64', 'u8', 'i8', 'fp8_e4m3', 'fp8_e5m2'];
const FLOATS: readonly DType[] = ['f32'];
const INTS: readonly DType[] = ['i32'];
const I32_MAX = 2 ** 31 - 1;

const tensor = (dtypes: readonly DType[], extra: Omit<Extract<ArgSpec, { kind: 'tensor' }>, 'kind' | 'dtypes'> = {}): ArgSpec =>
  ({ kind: 'tensor', dtypes, ...extra });
const f32 = (shape: number[], fill = 0.5) => Tensor.f32(shape, new Array<number>(shape.reduce((a, b) => a * b, 1)).fill(fill));
const i32 = (shape: number[], values: (i: number) => number) =>
  Tensor.i32(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => values(i)));

const EPS: ArgSpec = { kind: 'number', bad: [NaN, Infinity, -1, undefined, null, '1e-6', {}] };
const V = 10, H = 8, HQ = 2, HK = 1, D = 8, BLOCK = 4;

const attentionOptions = {
  kind: 'options',
  bad: [undefined, null, 5, 'x', {}, { scale: NaN }, { scale: Infinity }, { scale: '1' },
    { scale: 1, slidingWindow: -1 }, { scale: 1, slidingWindow: 1.5 }, { scale: 1, slidingWindow: NaN },
    { scale: 1, slidingWindow: 2 ** 40 }, { scale: 1, softcap: -1 }, { scale: 1, softcap: NaN },
    { scale: 1, softcap: Infinity }, { scale: 1, sinks: 5 }, { scale: 1, sinks: f32([HQ + 1]) },
    { scale: 1, sinks: Tensor.i32([HQ]) }, { scale: 1, sinks: f32([HQ, 1]) }],
} as const satisfies ArgSpec;

/** n sequences of 2 cached tokens + 1 query token, one block each, block tables padded with -1. */
function pagedAttentionArgs(n: number): unknown[] {
  const blocks = n + 1;
  return [f32([n, HQ, D]), f32([blocks, BLOCK, HK, D]), f32([blocks, BLOCK, HK, D]), i32([n + 1], (i) => i),
    i32([n], () => 3), i32([n, 2], (i) => (i % 2 ? -1 : i / 2)), { scale: 0.25 }, f32([n, HQ, D])];
}

const E = 4, I = 4, K = 2;

const moeRouteOptions = {
  kind: 'options',
  bad: [undefined, null, 5, 'x', {}, { router: 'sigmoid_grouped' }, { router: 'x', topK: K },
    { router: 'softmax_topk', topK: K }, { router: 'sigmoid_grouped', topK: 0 }, { router: 'sigmoid_grouped', topK: 1.5 },
    { router: 'sigmoid_grouped', topK: NaN }, { router: 'sigmoid_grouped', topK: E + 1 },
    { router: 'sigmoid_grouped', topK: K, numGroups: 3 }, { router: 'sigmoid_grouped', topK: K, numGroups: 2, topkGroups: 3 },
    { router: 'sigmoid_grouped', topK: K, numGroups: 2 ** 40 }, { router: 'sigmoid_grouped', topK: 3, numGroups: 4 },
    { router: 'sigmoid_grouped', topK: K, routedScalingFactor: NaN }, { router: 'sigmoid_grouped', topK: K, renormalize: 1 }],
} as const satisfies ArgSpec;

const fusedMoeOptions = {
  kind: 'options',
  bad: [undefined, null, 5, 'x', { activation: 'gelu' }, { activation: 3 }, { alpha: NaN }, { limit: Infinity },
    { limit: -1 }, { accumulate: 1 }],
} as const satisfies ArgSpec;

const TABLE: Record<string, OpTable> = {
  matmul: {
    specs: [tensor(FLOATS), tensor(['f32', 'f16', 'bf16']), tensor(FLOATS, { optional: true }), tensor(FLOATS)],
    build: (n) => [f32([n, H]), f32([4, H]), f32([4]), f32([n, 4])],
  },
  rmsNorm: { specs: [tensor(FLOATS), tensor(FLOATS), EPS, tensor(FLOATS)], build: (n) => [f32([n, H]), f32([H]), 1e-6, f32([n, H])] },
  fusedAddRmsNorm: {
    specs: [tensor(FLOATS), tensor(FLOATS), tensor(FLOATS), EPS],
    build: (n) => [f32([n, H]), f32([n, H]), f32([H]), 1e-6],
  },
  siluAndMul: { specs: [tensor(FLOATS), tensor(FLOATS)], build: (n) => [f32([n, 2 * H]), f32([n, H])] },
  geluTanhAndMul: { specs: [tensor(FLOATS), tensor(FLOATS)], build: (n) => [f32([n, 2 * H]), f32([n, H])] },
  softmax: { specs: [tensor(FLOATS), tensor(FLOATS)], build: (n) => [f32([n, V]), f32([n, V])] },
  logSoftmax: { specs: [tensor(FLOATS), tensor(FLOATS)], build: (n) => [f32([n, V]), f32([n, V])] },
  embedding: {
    specs: [tensor(INTS, { bad: [-1, V, I32_MAX, -(2 ** 31)] }), tensor(['f32', 'f16', 'bf16'], { free: [0] }), tensor(FLOATS)],
    build: (n) => [i32([n], (i) => i % V), f32([V, H]), f32([n, H])],
  },
  rotaryEmbedding: {
    specs: [tensor(INTS, { bad: [-1, 16, I32_MAX] }), tensor(FLOATS), tensor(FLOATS), tensor(FLOATS, { free: [0] }),
      { kind: 'number', bad: [NaN, Infinity, 0, -D, 3, 0.5, 2 ** 31, 1e20, undefined, '8'] }, { kind: 'boolean' }],
    build: (n) => [i32([n], (i) => i), f32([n, HQ * D]), f32([n, HK * D]), f32([16, D]), D, true],
  },
  reshapeAndCache: {
    specs: [tensor(FLOATS), tensor(FLOATS), tensor(FLOATS), tensor(FLOATS), tensor(INTS, { bad: [3 * BLOCK, I32_MAX], strided: true })],
    build: (n) => [f32([n, HK, D]), f32([n, HK, D]), f32([3, BLOCK, HK, D]), f32([3, BLOCK, HK, D]), i32([n], (i) => i)],
  },
  pagedAttention: {
    specs: [tensor(FLOATS), tensor(FLOATS), tensor(FLOATS), tensor(INTS, { bad: [-1, 1000, I32_MAX] }),
      tensor(INTS, { bad: [-1, 0, 1000, I32_MAX] }), tensor(INTS, { bad: [1000, I32_MAX], free: [1] }), attentionOptions,
      tensor(FLOATS)],
    build: pagedAttentionArgs,
  },
  argmax: { specs: [tensor(FLOATS, { free: [1] }), tensor(INTS)], build: (n) => [f32([n, V]), Tensor.i32([n])] },
  topKTopPMinP: {
    specs: [tensor(FLOATS, { free: [1] }), tensor(INTS), tensor(FLOATS, { bad: [NaN] }), tensor(FLOATS, { bad: [NaN, 2] })],
    build: (n) => [f32([n, V]), i32([n], () => 3), f32([n], 0.9), f32([n], 0.1)],
  },
  sampleCategorical: {
    specs: [tensor(FLOATS, { free: [1] }), tensor(FLOATS, { bad: [NaN, 1, -1, Infinity] }), tensor(INTS)],
    build: (n) => [f32([n, V]), f32([n], 0.5), Tensor.i32([n])],
  },
  moeRoute: {
    specs: [tensor(FLOATS), tensor(FLOATS, { optional: true }), moeRouteOptions, tensor(INTS), tensor(FLOATS)],
    build: (n) => [f32([n, E]), f32([E], 0.1), { router: 'sigmoid_grouped', topK: K, numGroups: 2, topkGroups: 1,
      renormalize: true, routedScalingFactor: 2 }, Tensor.i32([n, K]), Tensor.f32([n, K])],
  },
  fusedMoe: {
    specs: [tensor(FLOATS), tensor(['f32', 'f16', 'bf16']), tensor(FLOATS, { optional: true }), tensor(['f32', 'f16', 'bf16']),
      tensor(FLOATS, { optional: true }), tensor(INTS, { bad: [-1, E, I32_MAX, -(2 ** 31)] }), tensor(FLOATS),
      fusedMoeOptions, tensor(FLOATS)],
    build: (n) => [f32([n, H]), f32([E, 2 * I, H]), f32([E, 2 * I]), f32([E, H, I]), f32([E, H]),
      i32([n, K], (i) => i % E), f32([n, K]), { activation: 'swiglu_oai', alpha: 1.702, limit: 7 }, f32([n, H])],
  },
};

const ArrayFor: Record<DType, { new (n: number): ArrayBufferView & ArrayLike<number> }> = {
  f32: Float32Array, f16: Uint16Array, bf16: Uint16Array, i32: Int32Array, i64: BigInt64Array as never, u8: Uint8Array,
  i8: Int8Array, fp8_e4m3: Uint8Array, fp8_e5m2: Uint8Array,
};

const denseStrides = (shape: readonly number[]): number[] =>
  shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
const withAt = <T>(xs: readonly T[], i: number, v: T): T[] => xs.map((x, j) => (j === i ? v : x));

type Mutation = [label: string, value: unknown];

function tensorMutations(t: TensorArg, spec: Extract<ArgSpec, { kind: 'tensor' }>): Mutation[] {
  const { data, dtype, shape } = t;
  const view = data as ArrayBufferView & ArrayLike<number>;
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  const strides = denseStrides(shape);
  const out: Mutation[] = [
    ['data: a number', { ...t, data: 1 }], ['data: a plain array', { ...t, data: [1, 2, 3] }], ['no data', { dtype, shape }],
    ['dtype: unknown name', { ...t, dtype: 'f64' }], ['dtype: a number', { ...t, dtype: 0 }], ['no shape', { data, dtype }],
    ['shape: a string', { ...t, shape: '3' }], ['7 dims', { ...t, shape: [1, 1, 1, 1, 1, 1, 1] }],
    ['trailing dim of 2', { ...t, shape: [...shape, 2] }], ['trailing dim of 1', { ...t, shape: [...shape, 1] }],
    ['leading dim of 1', { ...t, shape: [1, ...shape] }],
    ['data one element short', { ...t, data: (data as Float32Array).subarray(0, view.length - 1) }],
    ['strides: wrong count', { ...t, strides: [1, ...strides] }],
  ];
  if (shape.length >= 2) out.push(['first two dims merged', { ...t, shape: [shape[0]! * shape[1]!, ...shape.slice(2)] }]);
  for (const d of ALL_DTYPES) if (!spec.dtypes.includes(d)) out.push([`dtype ${d}`, { ...t, dtype: d }]);
  shape.forEach((s, i) => {
    for (const v of [s + 1, s * 1048576, 0, -1, 1.5, NaN, Infinity, 2 ** 41, 2 ** 53, '2'])
      out.push([`shape[${i}] = ${String(v)}`, { ...t, shape: withAt(shape, i, v) }]);
    for (const v of [-1, NaN, 0.5, 2 ** 41])
      out.push([`strides[${i}] = ${v}`, { ...t, strides: withAt(strides, i, v) }]);
    if (s > 1) out.push([`strides[${i}] reach past the data`, { ...t, strides: withAt(strides, i, strides[i]! * 2 + 1) }]);
    if (spec.free?.includes(i)) return;
    for (const v of s > 1 ? [s + 1, s - 1] : [s + 1]) {
      const resized = withAt(shape, i, v);
      const refill = new ArrayFor[dtype](resized.reduce((a, b) => a * b, 1));
      for (let j = 0; j < refill.length; j++) (refill as unknown as number[])[j] = view[j % view.length]!;
      out.push([`shape[${i}] = ${v}, disagreeing with the other arguments`, { ...t, data: refill, shape: resized }]);
    }
  });
  const inner = shape.length - 1;
  if (inner >= 0 && shape[inner]! > 1 && !spec.strided) {
    const twice = new ArrayFor[dtype](view.length * 2);
    out.push(['innermost stride 2 (inside the data)', { ...t, data: twice, strides: strides.map((s) => s * 2) }]);
    out.push(['innermost stride 0', { ...t, strides: withAt(strides, inner, 0) }]);
  }
  if (DTYPE_BYTES[dtype] > 1) {
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    out.push(['data not aligned to its dtype', { ...t, data: new Uint8Array(shifted.buffer, 1, bytes.length) }]);
  }
  for (const v of spec.bad ?? []) {
    const filled = new ArrayFor[dtype](view.length);
    (filled as unknown as Float32Array).fill(v);
    out.push([`every value ${v}`, { ...t, data: filled }]);
  }
  return out;
}

function argMutations(value: unknown, spec: ArgSpec): Mutation[] {
  const junk: Mutation[] = [['0', 0], ['NaN', NaN], ['a string', 'x'], ['true', true], ['[]', []], ['{}', {}]];
  switch (spec.kind) {
    case 'tensor':
      return [...junk, ...(spec.optional ? [] : ([['undefined', undefined], ['null', null]] as Mutation[])),
        ...tensorMutations(value as TensorArg, spec)];
    case 'number':
      return spec.bad.map((v) => [String(v), v] as Mutation);
    case 'boolean':
      return [['1', 1], ['"true"', 'true'], ['undefined', undefined], ['null', null], ['{}', {}]];
    case 'options':
      return spec.bad.map((v) => [JSON.stringify(v) ?? String(v), v] as Mutation);
  }
}

type Expect = 'ok' | 'empty' | 'error';
interface Case { op: string; label: string; args: unknown[]; expect: Expect }

function casesFor(op: string, table: OpTable | undefined): Case[] {
  const generic: Case[] = [[], [undefined], [null, null, null], [1, 'x', {}], [Tensor.f32([2, 2]), Tensor.f32([2, 2]).data]]
    .map((args, i) => ({ op, label: `junk call ${i}`, args, expect: 'error' }));
  if (!table) return generic;
  const valid = table.build(3);
  const cases: Case[] = [{ op, label: 'valid', args: valid, expect: 'ok' }, ...generic,
    { op, label: 'zero-size batch', args: table.build(0), expect: 'empty' }];
  for (let i = 0; i < valid.length; i++) cases.push({ op, label: `first ${i} args only`, args: valid.slice(0, i), expect: 'error' });
  table.specs.forEach((spec, i) => {
    for (const [label, value] of argMutations(valid[i], spec))
      cases.push({ op, label: `arg ${i}: ${label}`, args: withAt(valid, i, value), expect: 'error' });
  });
  return cases;
}

/**
 * v8.deserialize may place typed arrays at any byte offset of a pooled buffer, which would make alignment
 * accidental: typed arrays travel as { typedArray, buffer, byteOffset, length } and are rebuilt in the child
 * over a fresh ArrayBuffer at their original offset. Shared arrays stay shared.
 */
function encodeTypedArrays(value: unknown, seen = new Map<ArrayBufferView, object>()): unknown {
  if (ArrayBuffer.isView(value)) {
    let marker = seen.get(value);
    if (!marker) {
      const { buffer, byteOffset, byteLength } = value;
      const length = 'length' in value ? (value.length as number) : byteLength;
      marker = { typedArray: value.constructor.name, buffer: buffer.slice(0), byteOffset, length };
      seen.set(value, marker);
    }
    return marker;
  }
  if (Array.isArray(value)) return value.map((v) => encodeTypedArrays(v, seen));
  if (value && typeof value === 'object' && !(value instanceof ArrayBuffer))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeTypedArrays(v, seen)]));
  return value;
}

// Runs in the child: every case sync then async, one JSON line each, flushed before the next call so a crash
// names the call that caused it.
const CHILD = `
const fs = require('node:fs');
const v8 = require('node:v8');
const addon = require(process.env.HS_ADDON);
const revived = new Map();
const decode = (v) => {
  if (Array.isArray(v)) return v.map(decode);
  if (!v || typeof v !== 'object' || v instanceof ArrayBuffer) return v;
  if (typeof v.typedArray === 'string') {
    if (!revived.has(v)) revived.set(v, new globalThis[v.typedArray](v.buffer, v.byteOffset, v.length));
    return revived.get(v);
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
};
const cases = decode(v8.deserialize(fs.readFileSync(process.env.HS_CASES)));
const say = (o) => fs.writeSync(1, JSON.stringify(o) + '\\n');
const outcome = (e) => e === undefined ? { outcome: 'ok' } :
  { outcome: 'threw', isError: e instanceof Error, code: e && e.code, message: String(e && e.message) };
(async () => {
  for (const [index, c] of cases.entries()) {
    say({ index, start: true });
    let e;
    try { addon.ops[c.op](...c.args); } catch (err) { e = err; }
    say({ index, mode: 'sync', ...outcome(e) });
    e = undefined;
    try { await addon.opsAsync[c.op](...c.args); } catch (err) { e = err; }
    say({ index, mode: 'async', ...outcome(e) });
  }
  say({ done: true });
})();
`;

function addonPath(): string {
  if (process.env.HIPSERVE_ADDON) return path.resolve(process.env.HIPSERVE_ADDON);
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const nodeGypBuild = createRequire(import.meta.url)('node-gyp-build') as { path(dir: string): string };
  return nodeGypBuild.path(root);
}

interface Line { index?: number; start?: boolean; done?: boolean; mode?: string; outcome?: string; isError?: boolean; code?: unknown; message?: string }

describe('no native entry crashes on malformed arguments', () => {
  const addon = loadAddon();
  const present = Object.keys(addon.ops);
  const missing = Object.keys(TABLE).filter((op) => !present.includes(op));
  const workDir = mkdtempSync(path.join(tmpdir(), 'hipserve-no-crash-'));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('covers every op in addon.ops (ops in the table but not built yet are skipped)', () => {
    if (missing.length) console.warn(`no-crash: not in this addon, skipped: ${missing.join(', ')}`);
    expect(present.length).toBeGreaterThan(0);
    expect(Object.keys(addon.opsAsync).sort()).toEqual([...present].sort());
  });

  it('every malformed call throws an Error with an HS_ code, sync and async, and the process survives', () => {
    const cases = present.flatMap((op) => casesFor(op, TABLE[op]));
    const casesFile = path.join(workDir, 'cases.bin');
    writeFileSync(casesFile, serialize(encodeTypedArrays(cases)));
    const child = spawnSync(process.execPath, ['-e', CHILD], {
      env: { ...process.env, HS_ADDON: addonPath(), HS_CASES: casesFile },
      encoding: 'utf8', timeout: 50_000, maxBuffer: 256 * 1024 * 1024,
    });
    const lines = child.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
    const lastStarted = [...lines].reverse().find((l) => l.start);
    const crashed = lastStarted ? cases[lastStarted.index!] : undefined;
    const where = crashed ? `the last call started was ${crashed.op} / ${crashed.label}` : 'no call started';
    expect({ status: child.status, signal: child.signal }, `${where}\n${child.stderr.slice(-2000)}`)
      .toEqual({ status: 0, signal: null });
    expect(lines.at(-1)).toEqual({ done: true });

    const failures: string[] = [];
    for (const l of lines) {
      if (l.start || l.done) continue;
      const c = cases[l.index!]!;
      const what = `${c.op} / ${c.label} (${l.mode})`;
      if (c.expect === 'ok') {
        if (l.outcome !== 'ok') failures.push(`${what}: the valid call threw ${String(l.code)}: ${l.message}`);
      } else if (l.outcome !== 'threw') {
        failures.push(`${what}: did not throw`);
      } else if (!l.isError || typeof l.code !== 'string' || !l.code.startsWith('HS_')) {
        failures.push(`${what}: threw without an HS_ code (${String(l.code)}): ${l.message}`);
      } else if (c.expect === 'empty' && l.code !== 'HS_EMPTY_BATCH') {
        failures.push(`${what}: expected HS_EMPTY_BATCH, got ${l.code}`);
      }
    }
    expect(failures).toEqual([]);
    expect(lines.filter((l) => l.mode).length).toBe(2 * cases.length);
  });
});
