/** The SSE events of a response: `event:` name (null when absent) and parsed `data:`. */
export async function readSse(response: Response): Promise<Array<{ event: string | null; data: unknown }>> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((line) => line.startsWith('event: '))?.slice('event: '.length) ?? null;
      const data = lines.find((line) => line.startsWith('data: '))?.slice('data: '.length) ?? '';
      return { event, data: data === '[DONE]' ? data : (JSON.parse(data) as unknown) };
    });
}

/** The shape of a JSON value: keys (sorted) and the kinds of its leaves, not their values. */
export function jsonShape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(jsonShape);
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
  return Object.fromEntries(entries.map(([key, inner]) => [key, jsonShape(inner)]));
}
