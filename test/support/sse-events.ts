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
