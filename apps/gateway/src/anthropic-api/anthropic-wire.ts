/**
 * Anthropic Messages wire types as Ollama's anthropic package writes them (`anthropic/anthropic.go`).
 * Property order is the Go struct order; empty optional fields are left out (Go `omitempty`).
 */

export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
}

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use';

export interface MessagesResponse {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ContentBlock[];
  stop_reason?: StopReason;
  usage: AnthropicUsage;
}

export type Delta =
  | { type: 'text_delta'; text: string }
  | { type: 'thinking_delta'; thinking: string }
  | { type: 'input_json_delta'; partial_json: string };

/** One event of a Messages stream; its `type` is also the SSE event name. */
export type MessagesStreamEvent =
  | { type: 'message_start'; message: MessagesResponse }
  | { type: 'ping' }
  | { type: 'content_block_start'; index: number; content_block: ContentBlock }
  | { type: 'content_block_delta'; index: number; delta: Delta }
  | { type: 'content_block_stop'; index: number }
  | { type: 'message_delta'; delta: { stop_reason?: StopReason }; usage: AnthropicUsage }
  | { type: 'message_stop' };
