import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { missingShared, repoPath, sharedPath } from '../helpers/shared-data.js';

const run = promisify(execFile);
const BIN = repoPath('bin/hipserve.js');
const built = existsSync(repoPath('dist/src/cli/main.js'));

describe.skipIf(missingShared('models/stories260K') || !built)('hipserve generate', () => {
  it('prints only the greedy continuation on stdout', async () => {
    const ref = JSON.parse(readFileSync(repoPath('test/fixtures/llamacpp/stories260K.json'), 'utf8')) as { text: string };
    const { stdout } = await run(process.execPath, [BIN, 'generate', sharedPath('models/stories260K/stories260K.gguf'),
      '--prompt', 'Once upon a time', '--max-tokens', '40', '--threads', '2', '--ignore-eos']);
    expect(stdout.endsWith('\n')).toBe(true);
    expect(ref.text.startsWith(stdout.slice(0, -1))).toBe(true);
    expect(stdout.length).toBeGreaterThan(100);
  });

  it('rejects a bad flag with a message and a non-zero exit', async () => {
    await expect(run(process.execPath, [BIN, 'generate', sharedPath('models/stories260K/hf'), '--temperature', 'hot']))
      .rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('expected a number') });
  });

  it('names a missing model path', async () => {
    await expect(run(process.execPath, [BIN, 'generate', '/nonexistent/model']))
      .rejects.toMatchObject({ stderr: expect.stringContaining('/nonexistent/model') });
  });
});
