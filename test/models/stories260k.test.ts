import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Tokenizer } from '@huggingface/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createModelRegistry } from '../../src/models/builtin-models.js';
import type { CausalLM } from '../../src/models/forward-batch.js';
import { loadCausalLM } from '../../src/models/load-causal-lm.js';
import { CpuPlatform } from '../../src/platforms/cpu/cpu-platform.js';
import { maxViolation } from '../helpers/random.js';
import { argmax, PagedSequences } from './paged-sequences.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const STORIES = path.resolve(ROOT, '../shared/models/stories260K');
const HF_DIR = path.join(STORIES, 'hf');
const GGUF = path.join(STORIES, 'stories260K.gguf');
const LLAMA_CPP = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/llamacpp/stories260K.json'), 'utf8')) as {
  promptTokens: number[]; tokens: number[] };

const PROMPT = [1, 403, 407, 261, 378];
const KNOWN_TEXT = 'Once upon a time, there was a little girl named Lily. She loved to play outside in the park.';
const NUM_NEW = 40;
const BLOCK_SIZE = 4;
const NUM_BLOCKS = 128;
const MAX_BLOCKS_PER_SEQ = 80;

const haveModel = existsSync(HF_DIR) && existsSync(GGUF);
if (!haveModel) console.warn(`skipping stories260K tests: ${STORIES} is absent (it lives in ../shared beside the repo)`);

interface Run {
  tokens: number[];
  logits: Float32Array[];
}

/** Greedy decoding of one sequence alone: one prefill step, then one decode step per token. */
function runAlone(model: CausalLM, prompt: readonly number[], numNew: number): Run {
  const seqs = new PagedSequences(NUM_BLOCKS, BLOCK_SIZE, MAX_BLOCKS_PER_SEQ);
  seqs.add(0, prompt);
  const run: Run = { tokens: [], logits: [] };
  let count = prompt.length;
  while (run.tokens.length < numNew) {
    const logits = model.forward(seqs.step([{ id: 0, count }])).slice();
    run.logits.push(logits);
    run.tokens.push(argmax(logits));
    seqs.append(0, run.tokens.at(-1)!);
    count = 1;
  }
  return run;
}

describe.skipIf(!haveModel)('stories260K', () => {
  let tokenizer: Tokenizer;
  beforeAll(() => {
    const json = JSON.parse(readFileSync(path.join(HF_DIR, 'tokenizer.json'), 'utf8')) as object;
    const config = JSON.parse(readFileSync(path.join(HF_DIR, 'tokenizer_config.json'), 'utf8')) as object;
    tokenizer = new Tokenizer(json, config);
  });

  describe.each([['Hugging Face safetensors', HF_DIR], ['GGUF', GGUF]])('from %s', (_, modelPath) => {
    let model: CausalLM;
    beforeAll(async () => {
      ({ model } = await loadCausalLM(modelPath, { platform: new CpuPlatform(), registry: createModelRegistry() }));
      model.allocateKvCache(NUM_BLOCKS, BLOCK_SIZE);
    });
    afterAll(() => model.dispose());

    it('continues "Once upon a time" greedily with the known story, token for token as llama.cpp does', () => {
      expect(tokenizer.encode('Once upon a time').ids).toEqual(PROMPT);
      expect(LLAMA_CPP.promptTokens).toEqual(PROMPT);
      const { tokens } = runAlone(model, PROMPT, LLAMA_CPP.tokens.length);
      const text = tokenizer.decode([...PROMPT, ...tokens.slice(0, NUM_NEW)], { skip_special_tokens: true });
      expect(text.startsWith(KNOWN_TEXT)).toBe(true);
      expect(tokens).toEqual(LLAMA_CPP.tokens);
    });

    it('gives the same tokens and logits when its steps mix one sequence\'s prefill chunks with another\'s decodes', () => {
      const other = tokenizer.encode('Tom and his big dog went to the river').ids;
      const alone = [runAlone(model, PROMPT, NUM_NEW), runAlone(model, other, NUM_NEW)];

      const seqs = new PagedSequences(NUM_BLOCKS, BLOCK_SIZE, MAX_BLOCKS_PER_SEQ);
      const runs: Run[] = [{ tokens: [], logits: [] }, { tokens: [], logits: [] }];
      seqs.add(0, PROMPT);
      seqs.add(1, other);
      const record = (id: number, logits: Float32Array): void => {
        runs[id]!.logits.push(logits.slice());
        runs[id]!.tokens.push(argmax(logits));
        seqs.append(id, runs[id]!.tokens.at(-1)!);
      };
      record(0, model.forward(seqs.step([{ id: 0, count: PROMPT.length }])));
      // Sequence 1 prefills in chunks of 3 beside sequence 0's decodes (it goes first in the batch), then both decode.
      let step = 0;
      while (runs[0]!.tokens.length < NUM_NEW || runs[1]!.tokens.length < NUM_NEW) {
        const chunks = [];
        const prefilling = runs[1]!.tokens.length === 0;
        if (runs[1]!.tokens.length < NUM_NEW) chunks.push({ id: 1, count: prefilling ? Math.min(3, seqs.pending(1)) : 1 });
        if (runs[0]!.tokens.length < NUM_NEW) chunks.push({ id: 0, count: 1 });
        if (step++ % 2 === 1) chunks.reverse();
        const batch = seqs.step(chunks);
        const logits = model.forward(batch);
        const vocab = model.config.vocabSize;
        chunks.forEach(({ id }, b) => {
          const row = logits.subarray(b * vocab, (b + 1) * vocab);
          if (id === 1 && prefilling && seqs.pending(1) > 0) return;  // mid-prompt chunk: no token yet
          record(id, row);
        });
      }
      for (const id of [0, 1]) {
        expect(runs[id]!.tokens).toEqual(alone[id]!.tokens);
        runs[id]!.logits.forEach((row, i) => expect(maxViolation(row, alone[id]!.logits[i]!, 1e-4, 1e-4)).toBeLessThanOrEqual(1));
      }
    });
  });
});
