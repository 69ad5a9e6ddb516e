/**
 * Offline decode speed of hipserve beside llama.cpp on the same GGUF files and thread counts, in one run:
 *   npm run build && node dist/src/bench/generate-vs-llamacpp.js --peer-dir DIR [--tokens 256] [--repeats 3]
 * DIR holds node-llama-cpp@3.21.1 (700+ MB, so never a dependency): `mkdir DIR && cd DIR && npm init -y &&
 * npm install node-llama-cpp@3.21.1`. Both decode greedily from BOS + "Once upon a time" with EOS ignored;
 * tokens/s counts the decode phase (first generated token to last), best of the repeats.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { LLM } from '../llm/llm.js';

const MODELS = ['models/stories260K/stories260K.gguf', 'models/llama-2-tiny-random/llama-2-tiny-random.gguf'];
const PROMPT = 'Once upon a time';

interface NodeLlamaCpp {
  getLlama(opts: object): Promise<{
    loadModel(opts: { modelPath: string }): Promise<{
      tokens: { bos: number };
      tokenize(text: string): number[];
      createContext(opts: object): Promise<{ getSequence(): { evaluate(tokens: number[], opts: object): AsyncIterable<number> };
        dispose(): Promise<void> }>;
      dispose(): Promise<void>;
    }>;
  }>;
}

async function hipserveTokensPerSecond(modelPath: string, threads: number, tokens: number, repeats: number): Promise<number> {
  const llm = await LLM.load(modelPath, { numThreads: threads, maxNumSeqs: 1 });
  let best = 0;
  try {
    for (let r = 0; r < repeats; r++) {
      const [result] = llm.generate(PROMPT, { temperature: 0, maxTokens: tokens, ignoreEos: true });
      const m = result!.metrics!;
      best = Math.max(best, (tokens - 1) / ((m.finishedTime! - m.firstTokenTime!) / 1000));
    }
  } finally {
    llm.dispose();
  }
  return best;
}

async function llamaCppTokensPerSecond(peer: NodeLlamaCpp, modelPath: string, threads: number, tokens: number,
  repeats: number): Promise<number> {
  const llama = await peer.getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  const model = await llama.loadModel({ modelPath });
  let best = 0;
  for (let r = 0; r < repeats; r++) {
    const context = await model.createContext({ contextSize: tokens + 64, threads, batchSize: 64 });
    let first = 0;
    let count = 0;
    for await (const _ of context.getSequence().evaluate([model.tokens.bos, ...model.tokenize(PROMPT)], { temperature: 0 })) {
      if (++count === 1) first = performance.now();
      if (count >= tokens) break;
    }
    best = Math.max(best, (tokens - 1) / ((performance.now() - first) / 1000));
    await context.dispose();
  }
  await model.dispose();
  return best;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    'peer-dir': { type: 'string' }, tokens: { type: 'string', default: '256' }, repeats: { type: 'string', default: '3' },
    shared: { type: 'string', default: path.resolve(process.cwd(), '../shared') },
  } });
  if (!values['peer-dir']) throw new Error('--peer-dir DIR (a folder with node-llama-cpp@3.21.1 installed) is required');
  const entry = createRequire(path.join(path.resolve(values['peer-dir']), 'package.json')).resolve('node-llama-cpp');
  const peer = await import(pathToFileURL(entry).href) as NodeLlamaCpp;
  const tokens = Number(values.tokens);
  const repeats = Number(values.repeats);
  console.log(`decode tokens/s, greedy, ${tokens} tokens, best of ${repeats} (higher is better)`);
  console.log('model                      threads  hipserve  llama.cpp  ratio');
  for (const rel of MODELS) {
    const modelPath = path.join(values.shared!, rel);
    for (const threads of [1, 2]) {
      const ours = await hipserveTokensPerSecond(modelPath, threads, tokens, repeats);
      const theirs = await llamaCppTokensPerSecond(peer, modelPath, threads, tokens, repeats);
      console.log(`${path.basename(rel).padEnd(27)}${String(threads).padStart(7)}${ours.toFixed(0).padStart(10)}` +
        `${theirs.toFixed(0).padStart(11)}${(ours / theirs).toFixed(2).padStart(7)}`);
    }
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
