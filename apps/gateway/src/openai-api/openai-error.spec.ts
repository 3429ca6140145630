import { isOpenAiPath, openAiError } from './openai-error';

describe('openAiError', () => {
  it('names the type after the status, with null param and code', () => {
    expect(openAiError(400, 'bad')).toEqual({
      error: { message: 'bad', type: 'invalid_request_error', param: null, code: null },
    });
    expect(openAiError(404, 'x').error.type).toBe('not_found_error');
    expect(openAiError(503, 'x').error.type).toBe('api_error');
    expect(openAiError(500, 'x').error.type).toBe('api_error');
  });
});

describe('isOpenAiPath', () => {
  it('matches /v1 and /ollama/v1 routes only', () => {
    expect(isOpenAiPath('/v1/chat/completions')).toBe(true);
    expect(isOpenAiPath('/ollama/v1/models/library/x:tag')).toBe(true);
    expect(isOpenAiPath('/v1')).toBe(true);
    expect(isOpenAiPath('/api/chat')).toBe(false);
    expect(isOpenAiPath('/v10/x')).toBe(false);
    expect(isOpenAiPath('/ollama/api/v1')).toBe(false);
    expect(isOpenAiPath(undefined)).toBe(false);
  });
});
