#!/usr/bin/env node
// Builds the native addon with cmake-js (Node-API, offline headers from node-api-headers) and checks that
// it exists, since cmake-js can exit 0 after a failed header download. Used by `npm install`.
// HIPSERVE_BUILD_DIR picks another build folder (helpers building side by side); --force rebuilds.
// HIPSERVE_GPU=cuda|rocm adds the GPU backend (HIPSERVE_GPU_ARCHS: the AMD targets, default gfx942;gfx950).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.resolve(root, process.env.HIPSERVE_BUILD_DIR ?? 'build');
const addon = path.join(out, 'Release', 'hipserve.node');
const force = process.argv.includes('--force');

if (!force && process.env.npm_command === 'ci' && existsSync(addon)) {
  console.log(`hipserve: using existing ${path.relative(root, addon)}`);
  process.exit(0);
}
const cmakeJs = path.join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
const args = [cmakeJs, 'compile', '--out', out, '--parallel', String(availableParallelism())];
// Always passed, so a build folder configured for a GPU once does not keep it when the variable is unset.
args.push(`--CDHIPSERVE_GPU=${process.env.HIPSERVE_GPU ?? ''}`);
if (process.env.HIPSERVE_GPU_ARCHS) args.push(`--CDHIPSERVE_GPU_ARCHS=${process.env.HIPSERVE_GPU_ARCHS}`);
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (result.status !== 0 || !existsSync(addon)) {
  console.error(`hipserve: the native addon was not built (${path.relative(root, addon)} is missing).`);
  console.error('hipserve: building it needs cmake (>= 3.18) and a C++17 compiler (g++ or clang++).');
  process.exit(1);
}
