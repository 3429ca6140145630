import { checkModelName, modelNameProblem, normalizeModelName, sameModel } from './model-name';

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

describe('modelNameProblem', () => {
  it.each([
    'llama3.2',
    'llama3.2:latest',
    'qwen2.5-0.5b-instruct-q4_k_m:latest',
    'library/llama3.2:3b',
    'registry.ollama.ai/library/llama3.2:3b',
    'localhost:5000/team/model:v2',
    'https://example.com/team/model:v2',
    'gpt-oss:120b-cloud',
    '_private:1',
  ])('accepts %s', (name) => {
    expect(modelNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', 'the model is empty'],
    ['llama3.2:', 'the tag is empty'],
    ['/llama3.2', 'the namespace is empty'],
    ['a/b/c/d', 'the host holds a character'],
    ['$(rm -rf /)', 'the model holds a character'],
    ['<script>alert(1)</script>', 'the model holds a character'],
    ['llama 3', 'the model holds a character'],
    ['-llama', 'the model holds a character'],
    ['team.x/model', 'the namespace holds a character'],
    ['model:v:2', 'the model holds a character'],
    ['../../etc/passwd', 'the host holds a character'],
    ['m'.repeat(81), 'the model is longer than 80 characters'],
    [`m:${'t'.repeat(81)}`, 'the tag is longer than 80 characters'],
  ])('refuses %j: %s', (name, problem) => {
    expect(modelNameProblem(name)).toContain(problem);
  });
});

describe('checkModelName', () => {
  it('names the field and quotes a long name only in part', () => {
    const name = `${'x'.repeat(5000)}!`;

    expect(() => checkModelName(name, 'destination')).toThrow(
      /^invalid model name in destination "x{100}… \(5001 characters\)": the model is longer than 80 characters$/,
    );
  });
});
