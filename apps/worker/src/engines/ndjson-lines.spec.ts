import { NdjsonSplitter, ndjsonLines } from './ndjson-lines';

const bytes = (text: string) => new TextEncoder().encode(text);

describe(NdjsonSplitter.name, () => {
  it('gives every line a read completes, keeping a partial line for the next read', () => {
    const sut = new NdjsonSplitter();

    expect(sut.push(bytes('{"a":1}\n{"b":'))).toEqual(['{"a":1}']);
    expect(sut.push(bytes('2}\n{"c":3}\n{"d"'))).toEqual(['{"b":2}', '{"c":3}']);
    expect(sut.push(bytes(':4}'))).toEqual([]);
    expect(sut.end()).toEqual(['{"d":4}']);
  });

  it('keeps a character whose bytes are split over two reads', () => {
    const sut = new NdjsonSplitter();
    const line = bytes('{"response":"é🙂"}\n');

    // `{"response":"` is 13 bytes: é is bytes 13–14, 🙂 bytes 15–18.
    expect(sut.push(line.slice(0, 14))).toEqual([]);
    expect(sut.push(line.slice(14, 17))).toEqual([]);
    expect(sut.push(line.slice(17))).toEqual(['{"response":"é🙂"}']);
    expect(sut.end()).toEqual([]);
  });

  it('trims lines and leaves out empty ones (CRLF, blank lines)', () => {
    const sut = new NdjsonSplitter();

    expect(sut.push(bytes('{"a":1}\r\n\n  \n{"b":2}\n'))).toEqual(['{"a":1}', '{"b":2}']);
  });
});

describe('ndjsonLines', () => {
  it('yields the lines of a stream one at a time', async () => {
    async function* body() {
      yield bytes('{"a":1}\n{"b"');
      yield bytes(':2}\n{"c":3}');
    }
    const lines: string[] = [];
    for await (const line of ndjsonLines(body())) lines.push(line);

    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });
});
