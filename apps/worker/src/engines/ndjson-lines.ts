/**
 * Splits a byte stream into lines without re-chunking them: each complete line comes out once, trimmed;
 * empty lines are left out. Synchronous, so a stream of tokens costs no async step per line here.
 */
export class NdjsonSplitter {
  private readonly decoder = new TextDecoder();
  private pending = '';

  /** The lines `bytes` completes. */
  push(bytes: Uint8Array): string[] {
    const text = this.pending + this.decoder.decode(bytes, { stream: true });
    const lines: string[] = [];
    let start = 0;
    let newline = text.indexOf('\n');
    while (newline >= 0) {
      const line = text.slice(start, newline).trim();
      if (line) lines.push(line);
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    this.pending = text.slice(start);
    return lines;
  }

  /** The last line, when the stream did not end with a newline. */
  end(): string[] {
    const rest = (this.pending + this.decoder.decode()).trim();
    this.pending = '';
    return rest ? [rest] : [];
  }
}

/** The lines of a byte stream (see NdjsonSplitter), one at a time. */
export async function* ndjsonLines(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const splitter = new NdjsonSplitter();
  for await (const bytes of body) yield* splitter.push(bytes);
  yield* splitter.end();
}
