/**
 * Loads the tokenizer of a model: a Hugging Face folder (tokenizer.json, or else a SentencePiece tokenizer.model;
 * tokenizer_config.json, optional generation_config.json and chat_template.jinja) or a GGUF file (its embedded
 * vocabulary, memory-mapped).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { HipserveError } from '../errors.js';
import { parseGguf } from '../loader/gguf.js';
import type { ModelFiles } from '../loader/load-model.js';
import { mapModelFile } from '../loader/map-model-file.js';
import { readJsonFile } from '../loader/read-json-file.js';
import { tokenizerFromGguf } from './gguf-tokenizer.js';
import { chatTemplatesOf, HfTokenizer, type HfGenerationConfig, type HfTokenizerConfig } from './hf-tokenizer.js';
import { parseSentencePieceModel } from './sentencepiece-model.js';
import { SpmTokenizer } from './spm-tokenizer.js';
import type { ChatTemplates, Tokenizer } from './tokenizer.js';

export function loadTokenizer(modelPath: string): Tokenizer {
  if (!existsSync(modelPath)) throw new HipserveError('model_not_found', `${modelPath}: no such file or folder`);
  if (statSync(modelPath).isDirectory()) return loadHfFolder(modelPath);
  const file = path.resolve(modelPath);
  const { head, bytes } = mapModelFile(file);
  return tokenizerFromGguf(parseGguf(head, file, bytes.byteLength));
}

/** The tokenizer of model files already opened (a GGUF's parsed metadata is reused, not mapped and parsed again). */
export function tokenizerOfModelFiles(files: ModelFiles): Tokenizer {
  return files.format === 'gguf' ? tokenizerFromGguf(files.gguf) : loadHfFolder(files.dir);
}

function loadHfFolder(dir: string): Tokenizer {
  const config = (readOptionalJson(path.join(dir, 'tokenizer_config.json')) ?? {}) as HfTokenizerConfig;
  const tokenizerFile = path.join(dir, 'tokenizer.json');
  if (existsSync(tokenizerFile)) {
    const generation = readOptionalJson(path.join(dir, 'generation_config.json')) as HfGenerationConfig | null;
    return new HfTokenizer(readJsonFile(tokenizerFile) as object, config, generation, tokenizerFile, folderChatTemplates(dir, config));
  }
  const modelFile = path.join(dir, 'tokenizer.model');
  if (existsSync(modelFile)) {
    const vocab = parseSentencePieceModel(new Uint8Array(readFileSync(modelFile)), modelFile);
    return new SpmTokenizer({
      ...vocab,
      addBosToken: typeof config.add_bos_token === 'boolean' ? config.add_bos_token : vocab.addBosToken,
      addEosToken: typeof config.add_eos_token === 'boolean' ? config.add_eos_token : vocab.addEosToken,
      chatTemplates: folderChatTemplates(dir, config),
    });
  }
  throw new HipserveError('model_not_found', `${dir}: no tokenizer.json or tokenizer.model`);
}

/** tokenizer_config.json's chat_template, else the chat_template.jinja / chat_template.json newer exports write. */
function folderChatTemplates(dir: string, config: HfTokenizerConfig): ChatTemplates {
  const configFile = path.join(dir, 'tokenizer_config.json');
  if (config.chat_template !== undefined) return chatTemplatesOf(config.chat_template, configFile);
  const jinja = path.join(dir, 'chat_template.jinja');
  if (existsSync(jinja)) return { default: readFileSync(jinja, 'utf8') };
  const json = path.join(dir, 'chat_template.json');
  const fromJson = readOptionalJson(json) as { chat_template?: unknown } | null;
  return fromJson ? chatTemplatesOf(fromJson.chat_template, json) : {};
}

function readOptionalJson(file: string): unknown {
  return existsSync(file) ? readJsonFile(file) : null;
}
