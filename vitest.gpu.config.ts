// `npm run test:gpu`: the GPU kernel tests (test/gpu), which need an addon built with a GPU backend. Unless
// HIPSERVE_ADDON names one, build-cuda/ (npm run build:cuda) is used when it exists.
import { existsSync } from 'node:fs';

import { defineConfig } from 'vitest/config';

const cudaAddon = 'build-cuda/Release/hipserve.node';
const addon = process.env.HIPSERVE_ADDON ?? (existsSync(cudaAddon) ? cudaAddon : undefined);

export default defineConfig({
  test: {
    include: ['test/gpu/**/*.test.ts'],
    testTimeout: 120_000,
    pool: 'forks',
    env: addon ? { HIPSERVE_ADDON: addon } : {},
  },
});
