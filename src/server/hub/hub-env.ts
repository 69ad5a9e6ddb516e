import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where and how to reach the Hugging Face Hub, read from the same variables `huggingface_hub` honours. */
export interface HubEnv {
  /** The hub cache (`$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`). */
  readonly cacheDir: string;
  /** `$HF_ENDPOINT`, else https://huggingface.co. */
  readonly endpoint: string;
  /** `$HF_TOKEN`, else the token `huggingface-cli login` saved in `$HF_HOME/token`. */
  readonly token: string | null;
  /** `$HF_HUB_OFFLINE`: use the cache only, never the network. */
  readonly offline: boolean;
}

const TRUE_VALUES = new Set(['1', 'on', 'yes', 'true']);

export function isTruthyEnv(value: string | undefined): boolean {
  return value !== undefined && TRUE_VALUES.has(value.trim().toLowerCase());
}

export function readHubEnv(env: NodeJS.ProcessEnv = process.env): HubEnv {
  const xdgCache = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const home = env.HF_HOME || path.join(xdgCache, 'huggingface');
  const cacheDir = env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE || path.join(home, 'hub');
  const tokenFile = env.HF_TOKEN_PATH || path.join(home, 'token');
  const token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || readTokenFile(tokenFile);
  return {
    cacheDir,
    endpoint: (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, ''),
    token: token || null,
    offline: isTruthyEnv(env.HF_HUB_OFFLINE) || isTruthyEnv(env.TRANSFORMERS_OFFLINE),
  };
}

function readTokenFile(file: string): string | null {
  if (!existsSync(file)) return null;
  try {
    return readFileSync(file, 'utf8').trim() || null;
  } catch {
    return null;
  }
}
