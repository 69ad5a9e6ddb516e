import { Command, Option } from 'commander';

import { parseBytes, parseCount, parseFraction, parseInteger, parsePort } from '../server/config/cli-values.js';
import { DTYPES, KV_CACHE_DTYPES, type ServeOptions } from '../server/config/serve-options.js';
import { DEFAULT_MODEL } from '../server/hub/resolve-model.js';
import { runServer } from '../server/run-server.js';
import { hipserveVersion } from '../server/version.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `hipserve serve [model]`: vLLM's `vllm serve` with its flag names. */
export function registerServe(program: Command): void {
  program.command('serve')
    .description('serve a model over an OpenAI-compatible HTTP API')
    .argument('[model]', 'a Hugging Face model folder, a .gguf file, or a Hugging Face repo id (owner/name[@revision][:quant])', DEFAULT_MODEL)
    .option('--host <host>', 'address to listen on', '0.0.0.0')
    .option('--port <port>', 'port to listen on', parsePort, 8000)
    .option('--served-model-name <name...>', 'name(s) clients use for the model (default: the model argument)')
    .option('--max-model-len <tokens>', 'longest context, prompt plus output (default: the model\'s; accepts 4k, 4K)', (v) => parseCount(v))
    .option('--max-num-seqs <n>', 'requests running at once at most', (v) => parseCount(v))
    .option('--max-num-batched-tokens <tokens>', 'tokens in one engine step at most', (v) => parseCount(v))
    .option('--num-gpu-blocks-override <n>', 'use exactly this many KV-cache blocks, whatever the memory', (v) => parseCount(v, 2))
    .option('--kv-cache-memory <bytes>', 'memory for the KV cache on CPU (e.g. 4G)', parseBytes)
    .option('--block-size <tokens>', 'tokens per KV-cache block', (v) => parseCount(v))
    .option('--tensor-parallel-size <n>', 'GPUs to split the model over', (v) => parseCount(v), 1)
    .option('--gpu-memory-utilization <fraction>', 'fraction of GPU memory to use (GPU platforms)', parseFraction, 0.9)
    .option('--enforce-eager', 'GPU platforms: run every step eagerly, capturing no graphs')
    .addOption(new Option('--kv-cache-dtype <dtype>', 'KV-cache data type').choices(KV_CACHE_DTYPES).default('auto'))
    .addOption(new Option('--dtype <dtype>', 'data type of weights and activations').choices(DTYPES).default('auto'))
    .option('--enable-prefix-caching', 'reuse the KV cache of shared prompt prefixes (default)')
    .option('--no-enable-prefix-caching', 'turn the prefix cache off')
    .option('--api-key <key>', 'require "Authorization: Bearer <key>" on /v1 (repeatable; default: $HIPSERVE_API_KEY)', collect)
    .option('--chat-template <file-or-template>', 'chat template (a Jinja file or the template itself) for models without one, or to replace theirs')
    .option('--generation-config <auto|vllm|folder>', 'default sampling parameters: "auto" reads the model\'s generation_config.json, "vllm" uses none, or a folder holding one', 'auto')
    .option('--trust-remote-code', 'accepted for compatibility; hipserve never runs model code')
    .option('--seed <n>', 'random seed of the engine', parseInteger)
    .option('--max-logprobs <n>', 'largest logprobs / top_logprobs a request may ask for', (v) => parseCount(v, 0), 20)
    .option('--disable-log-requests', 'do not log each request')
    .addHelpText('after', `
Environment:
  HF_HOME, HF_HUB_CACHE   where downloaded models are cached (default ~/.cache/huggingface/hub)
  HF_TOKEN                token for gated or private models
  HF_HUB_OFFLINE=1        never use the network; serve from the cache
  HF_ENDPOINT             the hub to download from (default https://huggingface.co)
  HIPSERVE_API_KEY        API key, when --api-key is not given

Examples:
  hipserve serve ./models/stories260K/hf --chat-template ./chat.jinja
  hipserve serve Qwen/Qwen3-0.6B --max-model-len 4k --port 8080
  curl localhost:8000/v1/completions -H 'Content-Type: application/json' -d '{"prompt": "Once upon a time", "stream": true}'`)
    .action(async (model: string, flags: Record<string, unknown>) => {
      await runServer(toServeOptions(model, flags), hipserveVersion());
    });
}

/** Commander's flags as ServeOptions (exported for tests). */
export function toServeOptions(model: string, f: Record<string, unknown>): ServeOptions {
  const envKey = process.env.HIPSERVE_API_KEY;
  return {
    model,
    host: f.host as string,
    port: f.port as number,
    servedModelName: (f.servedModelName as string[] | undefined) ?? null,
    maxModelLen: (f.maxModelLen as number | undefined) ?? null,
    maxNumSeqs: (f.maxNumSeqs as number | undefined) ?? null,
    maxNumBatchedTokens: (f.maxNumBatchedTokens as number | undefined) ?? null,
    numGpuBlocksOverride: (f.numGpuBlocksOverride as number | undefined) ?? null,
    kvCacheMemory: (f.kvCacheMemory as number | undefined) ?? null,
    blockSize: (f.blockSize as number | undefined) ?? null,
    tensorParallelSize: f.tensorParallelSize as number,
    gpuMemoryUtilization: f.gpuMemoryUtilization as number,
    enforceEager: f.enforceEager === true,
    kvCacheDtype: f.kvCacheDtype as string,
    dtype: f.dtype as string,
    enablePrefixCaching: (f.enablePrefixCaching as boolean | undefined) ?? true,
    apiKey: (f.apiKey as string[] | undefined) ?? (envKey ? [envKey] : []),
    chatTemplate: (f.chatTemplate as string | undefined) ?? null,
    generationConfig: f.generationConfig as string,
    trustRemoteCode: f.trustRemoteCode === true,
    seed: (f.seed as number | undefined) ?? null,
    maxLogprobs: f.maxLogprobs as number,
    disableLogRequests: f.disableLogRequests === true,
  };
}
