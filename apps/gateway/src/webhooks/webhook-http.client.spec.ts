import { WebhookHttpClient } from './webhook-http.client';

describe(WebhookHttpClient.name, () => {
  const sut = new WebhookHttpClient();
  const post = (url: string) => ({
    url: new URL(url),
    body: '{}',
    headers: {},
    timeoutMs: 500,
    allowPrivate: false,
  });

  describe('post', () => {
    it.each(['http://127.0.0.1:1/hook', 'http://[::1]:1/hook', 'http://[::ffff:a9fe:a9fe]/latest'])(
      'refuses %s before connecting when private targets are not allowed',
      async (url) => {
        await expect(sut.post(post(url))).resolves.toEqual({
          error: expect.stringMatching(/refused: .* private, loopback, link-local or reserved/),
        });
      },
    );
  });
});
