import { JobKind } from '@gridllm/contracts';

import { fairShareCost } from './fair-share-cost';

const SETTINGS = { promptWeight: 1, completionWeight: 2, expectedCompletionTokens: 256 };

describe(fairShareCost.name, () => {
  it('counts prompt tokens by their text and completion tokens by the request’s limit, weighted', () => {
    const cost = fairShareCost(
      JobKind.Generate,
      { prompt: 'x'.repeat(400), options: { num_predict: 50 } },
      SETTINGS,
    );
    expect(cost).toBe(100 * 1 + 50 * 2);
  });

  it('assumes the expected completion when the request sets no limit', () => {
    expect(fairShareCost(JobKind.Chat, { messages: [] }, SETTINGS)).toBe(1 + 256 * 2);
  });

  it('charges an embedding its input only', () => {
    expect(fairShareCost(JobKind.Embed, { input: 'y'.repeat(38) }, SETTINGS)).toBe(10);
  });

  it('divides by the owner’s share weight', () => {
    const request = { prompt: 'z'.repeat(400), options: { num_predict: 50 } };
    expect(fairShareCost(JobKind.Generate, request, SETTINGS, 4)).toBe(50);
  });

  it('never charges nothing, so each job still takes its own place', () => {
    expect(fairShareCost(JobKind.Embed, {}, { ...SETTINGS, promptWeight: 0 })).toBe(1);
  });
});
