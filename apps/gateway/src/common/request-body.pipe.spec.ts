import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';

import { InvalidRequestError } from '@gridllm/contracts';

import { ChatRequestDto } from '../ollama-api/dto/chat-request.dto';
import { GenerateRequestDto } from '../ollama-api/dto/generate-request.dto';
import { JsonBodyValidation } from './request-body.pipe';

const bodyOf = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({
  type: 'body',
  metatype,
  data: '',
});

/** What the pipe does with a body: the value it returns, or the message it refuses with. */
async function outcome(pipe: { transform: (v: unknown, m: ArgumentMetadata) => unknown }, text: string) {
  try {
    return { value: await pipe.transform(JSON.parse(text), bodyOf(GenerateRequestDto)) };
  } catch (error) {
    return { refused: (error as Error).message };
  }
}

describe('JsonBodyValidation', () => {
  const pipe = new JsonBodyValidation();

  it('returns the body itself, with unknown fields and their order as sent', () => {
    const body = { zeta: [1, { a: null }], model: 'llama3.2', options: { temperature: 0.5, mirostat: 1 } };
    const result = pipe.transform(body, bodyOf(GenerateRequestDto));
    expect(result).toBe(body);
    expect(Object.keys(result as object)).toEqual(['zeta', 'model', 'options']);
  });

  it("refuses with the first rule's message, nested rules included", () => {
    expect(() => pipe.transform({ prompt: 'hi' }, bodyOf(GenerateRequestDto))).toThrow(
      new InvalidRequestError('model is required'),
    );
    expect(() =>
      pipe.transform({ model: 'm', options: { num_predict: 1.5 } }, bodyOf(GenerateRequestDto)),
    ).toThrow(new InvalidRequestError('options.num_predict must be an integer from -2 to 2147483647'));
    expect(() => pipe.transform({ model: 'm', messages: ['hi'] }, bodyOf(ChatRequestDto))).toThrow(
      new InvalidRequestError('each message must be an object'),
    );
  });

  it('still validates a body whose keys would replace the copy’s prototype or constructor', () => {
    // Validated as they are, `__proto__` gives class-transformer's copy another prototype (no rules to check).
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const body = JSON.parse(`{"${key}": {"x": 1}, "prompt": "hi"}`) as object;
      expect(() => pipe.transform(body, bodyOf(GenerateRequestDto))).toThrow('model is required');
      const nested = JSON.parse(`{"model": "m", "options": {"${key}": 1, "num_predict": 1.5}}`) as object;
      expect(() => pipe.transform(nested, bodyOf(GenerateRequestDto))).toThrow('options.num_predict');
    }
  });

  it('sends keys named constructor or prototype on, and drops __proto__ keys', () => {
    const text = `{"model": "m", "constructor": 1, "format": {"type": "object", "properties":
      {"constructor": {"type": "string"}, "prototype": {"type": "integer"}, "__proto__": {"type": "null"}}}}`;
    const body = JSON.parse(text) as { format: { properties: object } };
    expect(pipe.transform(body, bodyOf(GenerateRequestDto))).toBe(body);
    expect(body).toHaveProperty('constructor', 1);
    expect(Object.keys(body.format.properties)).toEqual(['constructor', 'prototype']);
  });

  it('leaves bodies of types that are not DTO classes alone', () => {
    const body = { model: 5 };
    expect(pipe.transform(body, bodyOf(Object))).toBe(body);
    expect(pipe.transform(body, bodyOf(undefined))).toBe(body);
  });

  it("accepts and refuses what Nest's ValidationPipe does, with the same message", async () => {
    const nest = new ValidationPipe({
      transform: false,
      whitelist: false,
      forbidNonWhitelisted: false,
      exceptionFactory: (errors) =>
        new InvalidRequestError(Object.values(errors[0]?.constraints ?? {})[0] ?? 'nested'),
    });
    const samples: unknown[] = ['x', '', 0, -3, 1.5, true, null, [], ['x'], [1, 'a'], {}, { a: 1 }];
    const fields = [
      'model',
      'prompt',
      'stream',
      'options',
      'images',
      'context',
      'keep_alive',
      'top_logprobs',
    ];
    let refused = 0;
    for (const field of fields) {
      for (const sample of samples) {
        const text = JSON.stringify({ model: 'm', prompt: 'p', [field]: sample });
        const [expected, actual] = [await outcome(nest, text), await outcome(pipe, text)];
        // Nest's message for a nested rule is the parent's; ours looks into the children for the rule.
        if ('refused' in expected) {
          refused++;
          expect(actual).toHaveProperty('refused');
          if (expected.refused !== 'nested') expect(actual).toEqual(expected);
        } else expect(actual).toEqual(expected);
      }
    }
    expect(refused).toBeGreaterThan(20);
  });
});
