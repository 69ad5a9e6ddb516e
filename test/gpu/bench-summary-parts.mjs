// What test/gpu/bench-summary.mjs reads from each part's folder (test/gpu/bench-part.sh writes them): one function
// per part, (dir, peaks) → rows. A row: { kernel, shape, us, value, metric, peak, percent, peer, note }, where peak
// is { name, value, metric } (the copy bandwidth, the matmul rate or the HBM limit) and peer the torch or
// transformers figure { name, us, value, metric }. A part whose files are missing returns no rows.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

export function readJsonLines(file) {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{')).flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return []; // a line cut short by a time limit
      }
    });
  } catch {
    return [];
  }
}

/** The first file in `dir` whose name matches `pattern`, in name order; null for none or no folder. */
function firstFile(dir, pattern) {
  try {
    const name = readdirSync(dir).filter((f) => pattern.test(f)).sort()[0];
    return name ? path.join(dir, name) : null;
  } catch {
    return null;
  }
}

const gbps = (bytes, us) => (us ? bytes / us / 1e3 : null);
const tflops = (flop, us) => (us ? flop / us / 1e6 : null);
const copyPeak = (peaks) => (peaks.copyGbps ? { name: 'copy', value: peaks.copyGbps, metric: 'GB/s' } : null);
const matmulPeak = (peaks) => (peaks.matmulTflops ? { name: 'matmul', value: peaks.matmulTflops, metric: 'TFLOP/s' } : null);

/** A row measured at `us` µs, worth `value` `metric`, against `peak`, beside `peer`. */
function row(kernel, shape, us, value, metric, peak, peer = null, note = null) {
  const percent = peak && value !== null ? (100 * value) / peak.value : null;
  return { kernel, shape, us, value, metric, peak, percent, peer, note };
}

/** A bandwidth-bound row: `bytes` moved in `us`, beside a peer's `peerUs` (same bytes). */
function bandwidthRow(kernel, shape, bytes, us, peaks, peerName, peerUs, note = null) {
  const peer = peerUs ? { name: peerName, us: peerUs, value: gbps(bytes, peerUs), metric: 'GB/s' } : null;
  return row(kernel, shape, us, gbps(bytes, us), 'GB/s', copyPeak(peaks), peer, note);
}

export function peaksRows(dir) {
  const p = readJson(path.join(dir, 'peaks.json'));
  if (!p) return [];
  return [row('device-to-device copy', '1 GiB, read + write', null, p.copy_gbps, 'GB/s', null, null, 'the bandwidth peak'),
    row('torch.matmul bf16', `${p.matmul_n}³`, null, p.matmul_tflops, 'TFLOP/s', null, null, 'the FLOP peak')];
}

/** decode-<addon>.json of bench-decode.mjs --merge: the first addon's (bench-gpu.sh runs one). */
export function decodeRows(dir, peaks) {
  const file = firstFile(dir, /^decode-.*\.json$/);
  const d = file ? readJson(file) : null;
  return (d?.rows ?? []).map((r) => {
    const us = r.kernelUs ?? r.hostUs;
    const clock = r.kernelUs === null ? 'host clock (no ncu time)' : 'ncu kernel time';
    const sameSize = r.copyUs && us ? `; a copy of the same bytes ${r.copyUs.toFixed(1)} µs: ${((100 * r.copyUs) / us).toFixed(0)}% of its rate` : '';
    return bandwidthRow('paged decode attention', r.shape, r.bytes, us, peaks, 'torch SDPA', r.sdpaUs, clock + sameSize);
  });
}

export function prefillRows(dir, peaks) {
  const ours = readJson(path.join(dir, 'hipserve.json'))?.rows ?? [];
  const torch = readJson(path.join(dir, 'torch.json'))?.rows ?? [];
  return ours.map((r) => {
    const us = r.ms * 1e3;
    const t = torch.find((p) => ['b', 't', 'hq', 'hk', 'd'].every((x) => p[x] === r[x]));
    const peer = t && { name: 'torch SDPA flash', us: t.ms * 1e3, value: tflops(t.flops, t.ms * 1e3), metric: 'TFLOP/s' };
    return row('paged prefill attention, causal', `B=${r.b} T=${r.t} Hq=${r.hq} Hk=${r.hk} D=${r.d}`, us,
      tflops(r.flops, us), 'TFLOP/s', matmulPeak(peaks), peer);
  });
}

/** Weight-bound (GB/s of weights against the copy) up to 64 tokens, compute-bound (TFLOP/s) past it. */
function linearRow(kernel, name, n, k, t, us, peaks, peerName, peerUs, note) {
  const shape = `${name} ${k}→${n} T=${t}`;
  if (t <= 64) return bandwidthRow(kernel, shape, n * k * 2, us, peaks, peerName, peerUs, note);
  const flop = 2 * t * n * k;
  const peer = peerUs ? { name: peerName, us: peerUs, value: tflops(flop, peerUs), metric: 'TFLOP/s' } : null;
  return row(kernel, shape, us, tflops(flop, us), 'TFLOP/s', matmulPeak(peaks), peer, note);
}

export function matmulRows(dir, peaks) {
  const ours = readJson(path.join(dir, 'hipserve.json'))?.rows ?? [];
  const torch = readJson(path.join(dir, 'torch.json'))?.results ?? [];
  return ours.map((r) => linearRow('gpuMatmul', r.name, r.n, r.k, r.t, r.us, peaks, 'torch.matmul',
    torch.find((p) => p.name === r.name && p.t === r.t)?.us));
}

export function gemvRows(dir, peaks) {
  const ours = readJson(path.join(dir, 'hipserve.json'));
  const torch = readJson(path.join(dir, 'torch.json'));
  const linear = (ours?.linear ?? []).map((r) => linearRow('gpuMatmul (decode, auto)', r.name, r.n, r.k, r.t, r.autoUs,
    peaks, 'torch.matmul', torch?.results?.find((p) => p.name === r.name && p.t === r.t)?.us,
    `GEMV ${r.gemvUs.toFixed(1)} µs, cuBLASLt ${r.blasUs.toFixed(1)} µs`));
  const gated = (ours?.gated ?? []).map((r) => linearRow('gpuGatedMatmul silu (auto)', 'down', r.n, r.k, r.t, r.autoUs,
    peaks, 'torch silu·mul + matmul', torch?.fused?.find((p) => p.t === r.t)?.us,
    `fused GEMV ${r.gemvUs.toFixed(1)} µs, SiLU + cuBLASLt ${r.siluBlasUs.toFixed(1)} µs`));
  return [...linear, ...gated];
}

/** bench-moe.json (hipserve beside torch), else moe-hipserve.json (hipserve alone: the peer did not finish). */
export function moeRows(dir, peaks) {
  const both = readJson(path.join(dir, 'bench-moe.json'))?.rows;
  const rows = both ?? readJson(path.join(dir, 'moe-hipserve.json'))?.rows ?? [];
  return rows.map((r) => bandwidthRow('fused MoE', `${r.model} T=${r.tokens} (${r.distinctExperts} experts)`,
    r.weightBytes, r.autoUs, peaks, 'torch grouped_mm', r.torchUs, `${r.autoPath} path; GB/s of the experts read`));
}

export function mlaRows(dir, peaks) {
  const torch = readJson(path.join(dir, 'torch.json'))?.mla ?? {};
  const file = firstFile(dir, /^bench-.*\.jsonl$/);
  const lines = file ? readJsonLines(file) : [];
  return lines.filter((l) => l.name).map((l) => {
    if (l.skipped) return row('MLA decode attention', l.name, null, null, 'GB/s', null, null, l.skipped);
    if (l.name.startsWith('headGemm'))
      return bandwidthRow('MLA absorption GEMM', l.name.replace('headGemm ', ''), l.bytes, l.hostUs, peaks, null, null,
        'host clock');
    const [, b, ctx] = l.name.match(/B=(\d+) ctx=(\d+)/);
    return bandwidthRow('MLA decode attention', l.name, l.bytes, l.graphUs, peaks, 'torch 2×bmm',
      torch[`B=${b} ctx=${ctx}`]?.matmul, 'graph replay');
  });
}

/** GB/s of the f32 logits a step reads at least once ([B, V]); the step is host-timed with its round trips. */
export function samplingRows(dir, peaks) {
  const torch = readJsonLines(path.join(dir, 'torch.jsonl'));
  return readJsonLines(path.join(dir, 'device.jsonl')).map((r) => {
    const t = torch.find((p) => p.vocab === r.vocab && p.batch === r.batch && p.case === r.case);
    return bandwidthRow('sampling step (device)', `V=${r.vocab} B=${r.batch} ${r.case}`, r.batch * r.vocab * 4, r.deviceUs,
      peaks, 'torch', t?.torchUs, `host path ${r.hostUs.toFixed(0)} µs (download ${r.downloadUs.toFixed(0)})`);
  });
}

export function elementwiseRows(dir, peaks) {
  const ours = readJson(path.join(dir, 'hipserve.json'))?.rows ?? [];
  const torch = readJson(path.join(dir, 'torch.json'))?.rows ?? [];
  return ours.map((r) => bandwidthRow(r.op, `T=${r.t}`, r.bytes, r.graphUs ?? r.eagerUs, peaks, 'torch',
    torch.find((p) => p.op === r.op && p.t === r.t)?.us ?? r.torchUs,
    `${r.graphUs ? 'graph' : 'eager'}${r.t <= 8 ? '; latency-bound: launch + dependent loads' : ''}`));
}

/** gpu-decode.js's rows: tokens/s against the HBM limit's (bytes per step ÷ copy bandwidth), beside transformers. */
export function e2eRows(dir, peaks) {
  const result = readJson(path.join(dir, 'gpu-decode.json'));
  return (result?.results?.rows ?? []).map((r) => {
    const limitMs = r.hbmLimitMs ?? (peaks.copyGbps ? r.bytesPerStep / (peaks.copyGbps * 1e6) : null);
    const peak = limitMs ? { name: 'HBM limit', value: (r.batch * 1000) / limitMs, metric: 'tok/s' } : null;
    const hf = r.hfGenerateTokensPerSecond;
    const peer = hf ? { name: 'transformers generate', us: (r.batch * 1e6) / hf, value: hf, metric: 'tok/s' } : null;
    const out = row('decode step, Llama-3-8B-shaped bf16, graphs', `batch ${r.batch}, ctx ${r.context}`, r.stepMs * 1e3,
      r.tokensPerSecond, 'tok/s', peak, peer, `${(r.bytesPerStep / 1e9).toFixed(2)} GB per step`);
    return r.fractionOfHbmLimit ? { ...out, percent: 100 * r.fractionOfHbmLimit } : out; // as gpu-decode.js printed it
  });
}

export const PART_ROWS = { peaks: peaksRows, decode: decodeRows, prefill: prefillRows, matmul: matmulRows, gemv: gemvRows,
  moe: moeRows, mla: mlaRows, sampling: samplingRows, elementwise: elementwiseRows, e2e: e2eRows };

/** The peaks: the peaks part's, else the first a part measured on its own (named in `source`). */
export function findPeaks(partsDir) {
  const p = readJson(path.join(partsDir, 'peaks', 'peaks.json'));
  const fallbackCopy = [['decode/torch.json', 'copy_gbps'], ['mla/torch.json', 'copy_gbps'],
    ['elementwise/torch.json', 'copy_gbps'], ['matmul/torch.json', 'copyGBs'], ['gemv/torch.json', 'copyGBs'],
    ['moe/bench-moe.json', 'copyGBs'], ['e2e/reference.json', 'copy_gbps']]
    .map(([f, key]) => [f, readJson(path.join(partsDir, f))?.[key]]).find(([, v]) => typeof v === 'number');
  const fallbackMatmul = readJson(path.join(partsDir, 'prefill/torch.json'))?.matmul_tflops;
  return {
    device: p?.device ?? null, torch: p?.torch ?? null,
    copyGbps: p?.copy_gbps ?? fallbackCopy?.[1] ?? null, matmulTflops: p?.matmul_tflops ?? fallbackMatmul ?? null,
    source: p ? 'peaks part' : `${fallbackCopy?.[0] ?? 'nothing'} (the peaks part measured nothing)`,
  };
}
