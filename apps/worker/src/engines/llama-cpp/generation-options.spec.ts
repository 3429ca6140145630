import { samplingOptions } from './generation-options';

describe('samplingOptions', () => {
  it("applies Ollama's defaults, not node-llama-cpp's greedy ones", () => {
    expect(samplingOptions(undefined)).toEqual({
      temperature: 0.8,
      topK: 40,
      topP: 0.9,
      minP: 0,
      seed: undefined,
      maxTokens: undefined,
      customStopTriggers: undefined,
      repeatPenalty: {
        penalty: 1.1,
        lastTokens: 64,
        frequencyPenalty: undefined,
        presencePenalty: undefined,
      },
    });
  });

  it('maps every supported option one to one', () => {
    const sut = samplingOptions({
      temperature: 0,
      top_k: 5,
      top_p: 0.5,
      min_p: 0.05,
      seed: 42,
      num_predict: 7,
      stop: ['\n\n', ''],
      repeat_penalty: 1.3,
      repeat_last_n: 16,
    });
    expect(sut).toMatchObject({
      temperature: 0,
      topK: 5,
      topP: 0.5,
      minP: 0.05,
      seed: 42,
      maxTokens: 7,
      customStopTriggers: ['\n\n'],
      repeatPenalty: { penalty: 1.3, lastTokens: 16 },
    });
  });

  it('treats num_predict -1 and -2 as unlimited and repeat_penalty 1 as off', () => {
    expect(samplingOptions({ num_predict: -1 }).maxTokens).toBeUndefined();
    expect(samplingOptions({ num_predict: -2 }).maxTokens).toBeUndefined();
    expect(samplingOptions({ repeat_penalty: 1 }).repeatPenalty).toBe(false);
  });
});
