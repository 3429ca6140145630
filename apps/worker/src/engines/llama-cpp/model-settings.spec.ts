import { mergeSettings, settingsFrom, withModelSettings } from './model-settings';

describe('model settings', () => {
  describe(withModelSettings.name, () => {
    const settings = {
      system: 'You are terse.',
      parameters: { temperature: 0.1, num_predict: 5 },
      messages: [{ role: 'user', content: 'hi' }],
    };

    it('gives a generate request the model system prompt and its parameters as default options', () => {
      const sut = withModelSettings('generate', { prompt: 'x', options: { temperature: 0.9 } }, settings);

      expect(sut).toEqual({
        prompt: 'x',
        system: 'You are terse.',
        options: { temperature: 0.9, num_predict: 5 },
      });
    });

    it('keeps a system prompt the request brings', () => {
      expect(withModelSettings('generate', { prompt: 'x', system: 'Mine.' }, settings).system).toBe('Mine.');
    });

    it('puts the system message and the model messages before a chat’s own', () => {
      const sut = withModelSettings('chat', { messages: [{ role: 'user', content: 'q' }] }, settings);

      expect(sut.messages).toEqual([
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'hi' },
        { role: 'user', content: 'q' },
      ]);
    });

    it('leaves a request for a model without settings as it is', () => {
      const request = { prompt: 'x' };
      expect(withModelSettings('generate', request, undefined)).toBe(request);
    });
  });

  describe(settingsFrom.name, () => {
    it('keeps only the settings a create request gives', () => {
      expect(settingsFrom({ model: 'm', from: 'b', system: 's', parameters: {}, license: ['MIT'] })).toEqual({
        system: 's',
        license: ['MIT'],
      });
    });
  });

  describe(mergeSettings.name, () => {
    it('overrides the base field by field and parameters key by key', () => {
      const sut = mergeSettings(
        { system: 'old', template: 't', parameters: { temperature: 1, stop: ['x'] } },
        { system: 'new', parameters: { temperature: 0 } },
      );

      expect(sut).toEqual({ system: 'new', template: 't', parameters: { temperature: 0, stop: ['x'] } });
    });
  });
});
