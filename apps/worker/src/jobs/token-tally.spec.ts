import { TokenTally } from './token-tally';

describe(TokenTally.name, () => {
  let sut: TokenTally;

  beforeEach(() => {
    sut = new TokenTally();
  });

  describe('counts', () => {
    it("takes the engine's counts from the final chunk when it sent one", () => {
      sut.add({ response: 'Hel', done: false }, false);
      sut.add({ response: 'lo', done: false }, false);
      sut.add({ response: '', done: true, prompt_eval_count: 26, eval_count: 2 }, true);

      expect(sut.counts()).toEqual({ promptTokens: 26, completionTokens: 2 });
    });

    it('counts the content chunks relayed when the stream was aborted before its final chunk', () => {
      for (const response of ['The', ' sky', ' is']) sut.add({ response, done: false }, false);

      expect(sut.counts()).toEqual({ promptTokens: 0, completionTokens: 3 });
    });

    it('counts chat content and thinking chunks, not empty ones', () => {
      sut.add({ message: { role: 'assistant', content: '', thinking: 'Hmm' }, done: false }, false);
      sut.add({ message: { role: 'assistant', content: 'Hi' }, done: false }, false);
      sut.add({ message: { role: 'assistant', content: '' }, done: false }, false);
      sut.add({ thinking: 'so', response: '', done: false }, false);

      expect(sut.counts()).toEqual({ promptTokens: 0, completionTokens: 3 });
    });

    it('counts nothing for a job that failed before the engine produced anything', () => {
      expect(sut.counts()).toEqual({ promptTokens: 0, completionTokens: 0 });
    });

    it('takes the prompt tokens of an embedding answer, which has no completion', () => {
      sut.add({ embeddings: [[0.1, 0.2]], prompt_eval_count: 4 }, true);

      expect(sut.counts()).toEqual({ promptTokens: 4, completionTokens: 0 });
    });

    it('falls back to the chunks relayed when the final chunk carries no counts', () => {
      sut.add({ response: 'a', done: false }, false);
      sut.add({ response: 'b', done: true }, true);

      expect(sut.counts()).toEqual({ promptTokens: 0, completionTokens: 2 });
    });
  });
});
