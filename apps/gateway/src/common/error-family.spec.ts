import { familyErrorBody, streamErrorFrame } from './error-family';

describe('familyErrorBody', () => {
  it("answers the Anthropic routes in Anthropic's shape, 503 as overloaded_error", () => {
    for (const path of ['/v1/messages', '/ollama/v1/messages']) {
      expect(familyErrorBody(path, 503, 'busy')).toEqual({
        type: 'error',
        error: { type: 'overloaded_error', message: 'busy' },
        request_id: expect.stringMatching(/^req_[0-9a-f]{24}$/),
      });
    }
  });

  it("keeps OpenAI's shape on the other /v1 routes and Ollama's elsewhere", () => {
    expect(familyErrorBody('/v1/responses', 401, 'no')).toEqual({
      error: { message: 'no', type: 'authentication_error', param: null, code: null },
    });
    expect(familyErrorBody('/v1/messagesx', 400, 'no')).toMatchObject({
      error: { type: 'invalid_request_error' },
    });
    expect(familyErrorBody('/api/chat', 404, 'gone')).toEqual({ error: 'gone' });
  });
});

describe('streamErrorFrame', () => {
  it('ends an Anthropic stream with a named error event, OpenAI with a data event, Ollama with a line', () => {
    expect(streamErrorFrame('/v1/messages', 429, 'slow down')).toMatch(
      /^event: error\ndata: \{"type":"error","error":\{"type":"rate_limit_error","message":"slow down"\}.*\}\n\n$/,
    );
    expect(streamErrorFrame('/v1/chat/completions', 502, 'x')).toMatch(/^data: \{"error":\{.*\}\}\n\n$/);
    expect(streamErrorFrame('/api/chat', 502, 'x')).toBe('{"error":"x"}\n');
  });
});
