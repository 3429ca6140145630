/**
 * A tiny SentencePiece-style (`tokenizer.ggml.model = "llama"`) vocabulary: <unk>, <s>, </s>, the 256
 * byte-fallback tokens, ChatML control tokens, printable ASCII characters and a few common word pieces.
 * Any text tokenizes (unknown characters fall back to bytes) and detokenizes back losslessly.
 */

/** llama.cpp `llama_token_type` values. */
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

export interface DemoVocab {
  readonly tokens: readonly string[];
  readonly scores: readonly number[];
  readonly types: readonly number[];
  readonly unkId: number;
  readonly bosId: number;
  readonly eosId: number;
  /** `<|im_end|>`: llama.cpp treats it as an end-of-generation token by its text. */
  readonly imEndId: number;
}

/** SentencePiece's word-boundary marker (U+2581), which stands for a space. */
export const SPM_SPACE = '\u2581';

const WORDS = (
  'the a an to and of is in it you I that for on with are be this was as at have not or can will what how why who ' +
  'Hello hello world Hi yes no model grid answer question JSON true false null name user assistant system'
).split(' ');

/** Words that also appear glued to a preceding token (ChatML puts the role right after `<|im_start|>`). */
const BARE_WORDS = ['user', 'assistant', 'system', 'ing', 'ed', 'er', 'es', 'ly'];

export function buildDemoVocab(): DemoVocab {
  const tokens: string[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  const seen = new Set<string>();
  const add = (text: string, type: number, score: number): number => {
    if (seen.has(text)) return tokens.indexOf(text);
    seen.add(text);
    tokens.push(text);
    scores.push(score);
    types.push(type);
    return tokens.length - 1;
  };

  const unkId = add('<unk>', TOKEN_TYPE.unknown, 0);
  const bosId = add('<s>', TOKEN_TYPE.control, 0);
  const eosId = add('</s>', TOKEN_TYPE.control, 0);
  for (let b = 0; b < 256; b++) {
    add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, TOKEN_TYPE.byte, 0);
  }
  add('<|im_start|>', TOKEN_TYPE.control, 0);
  const imEndId = add('<|im_end|>', TOKEN_TYPE.control, 0);

  // SPM merges two adjacent pieces only when their concatenation is itself a token, so every prefix of a
  // word piece is in the vocabulary too. Longer pieces get higher scores so they win the merge order.
  const pieces: string[] = [SPM_SPACE];
  for (let code = 0x21; code < 0x7f; code++) pieces.push(String.fromCharCode(code));
  const words = [...WORDS.map((w) => SPM_SPACE + w), ...BARE_WORDS];
  for (const word of words) {
    const chars = Array.from(word);
    for (let len = 2; len <= chars.length; len++) pieces.push(chars.slice(0, len).join(''));
  }
  pieces.forEach((piece, i) =>
    add(piece, TOKEN_TYPE.normal, -1000 + Array.from(piece).length * 10 - i / 1000),
  );

  return { tokens, scores, types, unkId, bosId, eosId, imEndId };
}
