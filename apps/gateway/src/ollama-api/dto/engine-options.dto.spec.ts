import { ArgumentMetadata } from '@nestjs/common';

import { InvalidRequestError } from '@gridllm/contracts';

import { passThroughValidation } from '../../common/request-body.pipe';
import { ChatCompletionRequestDto } from '../../openai-api/dto/openai-requests.dto';
import { GenerateRequestDto } from './generate-request.dto';

const generate: ArgumentMetadata = { type: 'body', metatype: GenerateRequestDto };
const chatCompletion: ArgumentMetadata = { type: 'body', metatype: ChatCompletionRequestDto };

async function validate(body: object, metadata = generate): Promise<unknown> {
  return passThroughValidation.transform(body, metadata);
}

describe('EngineOptionsDto', () => {
  const sut = { model: 'llama3.2', prompt: 'Hi' };

  it.each([-2, -1, 0, 128, 2_147_483_647])('passes num_predict %d on untouched', async (numPredict) => {
    const body = { ...sut, options: { num_predict: numPredict, mirror: { kept: true } } };

    // What the worker receives is the JSON of the validated body.
    expect(JSON.parse(JSON.stringify(await validate(body)))).toEqual(body);
  });

  it.each([1e308, 2 ** 53, 2_147_483_648, -3, 1.5, '12'])('refuses num_predict %p', async (numPredict) => {
    await expect(validate({ ...sut, options: { num_predict: numPredict } })).rejects.toThrow(
      new InvalidRequestError('options.num_predict must be an integer from -2 to 2147483647'),
    );
  });

  it('refuses a temperature beyond what a float32 holds', async () => {
    await expect(validate({ ...sut, options: { temperature: 1e308 } })).rejects.toThrow(
      /^options\.temperature must be a number from/,
    );
  });

  it('refuses a keep_alive longer than a Go duration, and keeps duration strings', async () => {
    await expect(validate({ ...sut, keep_alive: 1e308 })).rejects.toThrow(/^keep_alive in seconds/);
    await expect(validate({ ...sut, keep_alive: '10m' })).resolves.toBeDefined();
  });

  it('bounds max_tokens of the OpenAI family but leaves its type errors to the translator', async () => {
    const body = { model: 'llama3.2', messages: [] };

    await expect(validate({ ...body, max_tokens: 2 ** 53 }, chatCompletion)).rejects.toThrow(
      'max_tokens must be an integer from -2 to 2147483647',
    );
    await expect(validate({ ...body, max_tokens: 'many' }, chatCompletion)).resolves.toBeDefined();
  });
});
