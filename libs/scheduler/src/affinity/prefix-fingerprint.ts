import { createHash } from 'node:crypto';

import { JobKind } from '@gridllm/contracts';

/** Characters per block: about 64 tokens, fine enough to tell conversations apart after a shared system prompt. */
export const PREFIX_BLOCK_CHARS = 256;
/** Blocks fingerprinted at most (64k characters): bounds the work per placement and the job's size. */
export const MAX_PREFIX_BLOCKS = 256;

/**
 * The prompt as the engine will see it, in order, one part per message: tools, then each message's role
 * and text (chat), or system and prompt (generate). Equal renderings mean equal prompts; a longer common
 * prefix of two renderings means a longer common prefix of their tokens.
 */
function renderParts(kind: JobKind, request: Record<string, unknown>): string[] {
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
  return parts.map((part) => `${part}\u0001`);
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

/**
 * Message ends remembered besides the grid: the last few, so that a follow-up turn finds exactly where the
 * turn before it ended (its previous prompt is this one's messages but the last two). Between grid
 * checkpoints a quarter of the length apart, that end would be missed: a 16 KB conversation's next 4 KB.
 */
export const BOUNDARY_CHECKPOINTS = 4;
/** Prefix keys one prompt remembers at most (28 grid checkpoints for 256 blocks, and its last message ends). */
export const MAX_PREFIX_CHECKPOINTS = CHECKPOINT_BLOCKS.length + BOUNDARY_CHECKPOINTS;

/** The chain's hashes at the grid checkpoints it reaches (see checkpointBlocks). */
export function prefixCheckpoints(chain: readonly string[]): string[] {
  return CHECKPOINT_BLOCKS.filter((blocks) => blocks <= chain.length).map((blocks) => chain[blocks - 1]);
}

/** A prompt's checkpoint hashes, shallowest first, and the block count each one covers. */
export interface PromptFingerprint {
  hashes: string[];
  blocks: number[];
}

/**
 * The checkpoints of a job's prompt: the grid's, and the full blocks up to each of its last
 * BOUNDARY_CHECKPOINTS message ends. A follow-up's checkpoints up to where the turn before it ended are
 * that turn's own, so the binary search over them still holds. Empty for kinds without a prompt.
 */
export function fingerprintPrompt(kind: JobKind, request: Record<string, unknown>): PromptFingerprint {
  if (kind !== JobKind.Chat && kind !== JobKind.Generate) return { hashes: [], blocks: [] };
  const parts = renderParts(kind, request);
  const chain = prefixChain(parts.join(''));
  // A prompt shorter than one block has no checkpoint to remember: skip the sort of the grid below.
  if (chain.length === 0) return { hashes: [], blocks: [] };
  let end = 0;
  const ends = parts.map((part) => (end += part.length));
  const boundaries = ends.slice(-BOUNDARY_CHECKPOINTS).map((at) => Math.floor(at / PREFIX_BLOCK_CHARS));
  const blocks = [...new Set([...CHECKPOINT_BLOCKS, ...boundaries])]
    .filter((count) => count >= 1 && count <= chain.length)
    .sort((a, b) => a - b);
  return { hashes: blocks.map((count) => chain[count - 1]), blocks };
}

/** Prompt characters covered by the first `count` checkpoints of a fingerprint (0 for none). */
export function checkpointChars(fingerprint: PromptFingerprint, count: number): number {
  return count > 0 ? fingerprint.blocks[count - 1] * PREFIX_BLOCK_CHARS : 0;
}

/** The key a named session sticks under: scoped to its owner, so two tenants' "default" never meet. */
export function sessionHash(ownerId: string | undefined, session: string): string {
  return createHash('sha256')
    .update(`${ownerId ?? ''}\u0000${session}`)
    .digest('base64url')
    .slice(0, 22);
}
