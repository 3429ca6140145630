import { createHash } from 'node:crypto';

import { JobKind } from '@gridllm/contracts';

/** Characters per block: about 64 tokens, fine enough to tell conversations apart after a shared system prompt. */
export const PREFIX_BLOCK_CHARS = 256;
/** Blocks fingerprinted at most (64k characters): bounds the work per placement and the job's size. */
export const MAX_PREFIX_BLOCKS = 256;

/**
 * The prompt as the engine will see it, in order: tools, then each message's role and text (chat), or
 * system and prompt (generate). Equal renderings mean equal prompts; a longer common prefix of two
 * renderings means a longer common prefix of their tokens.
 */
export function renderPrompt(kind: JobKind, request: Record<string, unknown>): string {
  const parts: string[] = [];
  if (request.tools !== undefined) parts.push(`tools\u0002${JSON.stringify(request.tools)}`);
  if (kind === JobKind.Chat && Array.isArray(request.messages)) {
    for (const message of request.messages as Array<Record<string, unknown>>) {
      const content = message?.content;
      parts.push(
        `${String(message?.role)}\u0002${typeof content === 'string' ? content : JSON.stringify(content)}`,
      );
    }
  } else if (kind === JobKind.Generate) {
    if (typeof request.system === 'string') parts.push(`system\u0002${request.system}`);
    parts.push(
      `${request.raw === true ? 'raw' : 'user'}\u0002${typeof request.prompt === 'string' ? request.prompt : ''}`,
    );
  }
  return parts.map((part) => `${part}\u0001`).join('');
}

/**
 * Chained hashes of the rendering's full leading blocks: hash i covers blocks 0..i, so two prompts share
 * hash i exactly when they share their first (i + 1) × PREFIX_BLOCK_CHARS characters.
 */
export function prefixChain(rendered: string): string[] {
  const chain: string[] = [];
  let previous = '';
  const blocks = Math.min(MAX_PREFIX_BLOCKS, Math.floor(rendered.length / PREFIX_BLOCK_CHARS));
  for (let i = 0; i < blocks; i++) {
    const block = rendered.slice(i * PREFIX_BLOCK_CHARS, (i + 1) * PREFIX_BLOCK_CHARS);
    previous = createHash('sha256').update(previous).update(block).digest('base64url').slice(0, 22);
    chain.push(previous);
  }
  return chain;
}

/** Checkpoints per doubling of the prompt's length: the depth found is at most a quarter short of the truth. */
const CHECKPOINTS_PER_OCTAVE = 4;

/**
 * Block counts at which a prompt's prefix is remembered: every block up to 8, then 4 per doubling (10, 12,
 * 14, 16, 20 … 224, 256). O(log n) keys per prompt instead of one per block; the same grid for every prompt,
 * so a checkpoint present in Redis has every smaller one of its chain present too (binary search holds).
 */
export function checkpointBlocks(maxBlocks = MAX_PREFIX_BLOCKS): number[] {
  const blocks: number[] = [];
  for (let block = 1; block <= maxBlocks;) {
    blocks.push(block);
    const octave = 2 ** Math.floor(Math.log2(block));
    block += Math.max(1, octave / CHECKPOINTS_PER_OCTAVE);
  }
  return blocks;
}

/** Block counts of the checkpoints, in order: `CHECKPOINT_BLOCKS[i]` blocks end at a prompt's i-th checkpoint hash. */
export const CHECKPOINT_BLOCKS: readonly number[] = checkpointBlocks();
/** Prefix keys one prompt remembers at most (28 for 256 blocks). */
export const MAX_PREFIX_CHECKPOINTS = CHECKPOINT_BLOCKS.length;

/** The chain's hashes at the checkpoints it reaches (see checkpointBlocks). */
export function prefixCheckpoints(chain: readonly string[]): string[] {
  return CHECKPOINT_BLOCKS.filter((blocks) => blocks <= chain.length).map((blocks) => chain[blocks - 1]);
}

/** Prompt characters covered by the first `count` checkpoints of a prompt (0 for none). */
export function checkpointChars(count: number): number {
  return count > 0 ? CHECKPOINT_BLOCKS[count - 1] * PREFIX_BLOCK_CHARS : 0;
}

/** The checkpoint hashes of a job's prompt; empty for kinds without a prompt (embeddings, show). */
export function fingerprintPrompt(kind: JobKind, request: Record<string, unknown>): string[] {
  if (kind !== JobKind.Chat && kind !== JobKind.Generate) return [];
  return prefixCheckpoints(prefixChain(renderPrompt(kind, request)));
}

/** The key a named session sticks under: scoped to its owner, so two tenants' "default" never meet. */
export function sessionHash(ownerId: string | undefined, session: string): string {
  return createHash('sha256')
    .update(`${ownerId ?? ''}\u0000${session}`)
    .digest('base64url')
    .slice(0, 22);
}
