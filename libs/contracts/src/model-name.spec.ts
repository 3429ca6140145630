import { normalizeModelName, sameModel } from './model-name';

describe('normalizeModelName', () => {
  it.each([
    ['llama3.2', 'llama3.2:latest'],
    ['llama3.2:latest', 'llama3.2:latest'],
    ['llama3.2:1b', 'llama3.2:1b'],
    ['  qwen2.5  ', 'qwen2.5:latest'],
    ['library/llama3.2', 'llama3.2:latest'],
    ['registry.ollama.ai/library/llama3.2:3b', 'llama3.2:3b'],
    ['example/model', 'example/model:latest'],
    ['localhost:5000/team/model', 'localhost:5000/team/model:latest'],
    ['localhost:5000/team/model:v2', 'localhost:5000/team/model:v2'],
  ])('normalises %s to %s', (input, expected) => {
    expect(normalizeModelName(input)).toBe(expected);
  });

  it('treats a name with and without the latest tag as the same model', () => {
    expect(sameModel('llama3.2', 'llama3.2:latest')).toBe(true);
    expect(sameModel('llama3.2', 'llama3.2:1b')).toBe(false);
  });
});
