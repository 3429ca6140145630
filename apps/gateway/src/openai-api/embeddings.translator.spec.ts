import { float32Base64, toEmbeddingList, toOllamaEmbedRequest } from './embeddings.translator';

describe('toOllamaEmbedRequest', () => {
  const sut = toOllamaEmbedRequest;

  it('passes a string or an array of strings and the dimensions on to /api/embed', () => {
    expect(sut({ model: 'm', input: 'hi', dimensions: 8 })).toEqual({
      request: { model: 'm', input: 'hi', dimensions: 8 },
      encoding: 'float',
    });
    expect(sut({ model: 'm', input: ['a', 'b'], encoding_format: 'BASE64' })).toEqual({
      request: { model: 'm', input: ['a', 'b'] },
      encoding: 'base64',
    });
  });

  it('embeds one empty string for input ""', () => {
    expect(sut({ model: 'm', input: '' }).request.input).toEqual(['']);
  });

  it('rejects an unknown encoding_format with OpenAI’s message', () => {
    expect(() => sut({ model: 'm', input: 'x', encoding_format: 'int8' })).toThrow(
      "Invalid value for 'encoding_format' = int8. Supported values: ['float', 'base64'].",
    );
  });

  it('rejects missing or empty input, and token arrays', () => {
    expect(() => sut({ model: 'm' })).toThrow('invalid input');
    expect(() => sut({ model: 'm', input: [] })).toThrow('invalid input');
    expect(() => sut({ model: 'm', input: [1, 2, 3] })).toThrow('invalid input type');
  });
});

describe('toEmbeddingList', () => {
  const answer = {
    model: 'm',
    embeddings: [
      [0.5, -0.25],
      [1, 0],
    ],
    prompt_eval_count: 3,
  };

  it('lists the vectors with their index and the prompt tokens as usage', () => {
    expect(toEmbeddingList('all-minilm', answer, 'float')).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', embedding: [0.5, -0.25], index: 0 },
        { object: 'embedding', embedding: [1, 0], index: 1 },
      ],
      model: 'all-minilm',
      usage: { prompt_tokens: 3, total_tokens: 3 },
    });
  });

  it('encodes base64 as little-endian float32', () => {
    const encoded = toEmbeddingList('m', answer, 'base64').data[0].embedding as string;
    const bytes = Buffer.from(encoded, 'base64');
    expect([bytes.readFloatLE(0), bytes.readFloatLE(4)]).toEqual([0.5, -0.25]);
    expect(encoded).toBe(float32Base64([0.5, -0.25]));
  });
});
