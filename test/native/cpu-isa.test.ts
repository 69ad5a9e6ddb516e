/**
 * The matmul cases under every instruction set this CPU has. The ISA is fixed once per process from
 * HIPSERVE_CPU_ISA, so each one runs in a child `node` that loads the addon, multiplies the inputs it is sent
 * and sends the outputs back; this process checks them against the f64 reference.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import type { TensorArg } from '../../bindings/tensor.js';
import { caseName, makeMatmulProblem, matmulCases, matmulViolation } from '../helpers/matmul-cases.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// The child: reads [{ x, w, bias, out }] as JSON (tensor data in base64) on stdin, writes { isa, outs } on stdout.
const CHILD = `
import { createRequire } from 'node:module';
import path from 'node:path';
const require = createRequire(path.join(process.cwd(), 'package.json'));
const addon = process.env.HIPSERVE_ADDON
  ? require(path.resolve(process.env.HIPSERVE_ADDON))
  : require('node-gyp-build')(process.cwd());
let input = '';
for await (const chunk of process.stdin) input += chunk;
const tensor = (t) => t && { ...t, data: new Uint8Array(Buffer.from(t.data, 'base64')).buffer };
const outs = JSON.parse(input).map(({ x, w, bias, out }) => {
  const o = tensor(out);
  addon.ops.matmul(tensor(x), tensor(w), tensor(bias), o);
  return Buffer.from(o.data).toString('base64');
});
process.stdout.write(JSON.stringify({ isa: addon.cpuIsa(), outs }));
`;

interface ChildResult {
  isa: string;
  outs: string[];
}

function encode(t: TensorArg | null): object | null {
  if (!t) return null;
  const bytes = ArrayBuffer.isView(t.data) ? t.data : new Uint8Array(t.data);
  return { ...t, data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
}

function runChild(isa: string | undefined, calls: object[]): ChildResult {
  const env = { ...process.env };
  delete env.HIPSERVE_CPU_ISA;
  if (isa) env.HIPSERVE_CPU_ISA = isa;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], {
    cwd: root, env, input: JSON.stringify(calls), maxBuffer: 1 << 28, encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`child (HIPSERVE_CPU_ISA=${isa}) failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout) as ChildResult;
}

const detected = runChild(undefined, []).isa;
const cases = matmulCases();
let problems: ReturnType<typeof makeMatmulProblem>[] | undefined;
const available = (isa: string): boolean =>
  isa === 'scalar' || isa === detected || (isa === 'avx2' && detected === 'avx512');

describe.each(['scalar', 'avx2', 'avx512', 'neon'])('matmul under HIPSERVE_CPU_ISA=%s', (isa) => {
  it.skipIf(!available(isa))(`matches the reference in every case (this CPU: ${detected})`, () => {
    problems ??= cases.map((c, i) => makeMatmulProblem(c, 500 + i));
    const result = runChild(isa, problems.map((p) => ({
      x: encode(p.x), w: encode(p.w), bias: encode(p.bias), out: encode(p.out),
    })));
    expect(result.isa).toBe(isa);
    const failures = problems.flatMap((p, i) => {
      const out = new Float32Array(new Uint8Array(Buffer.from(result.outs[i]!, 'base64')).buffer);
      const violation = matmulViolation(out, p);
      return violation <= 1 ? [] : [`${caseName(cases[i]!)}: ${violation.toFixed(1)}× the tolerance`];
    });
    expect(failures).toEqual([]);
  });
});
