import { createHmac } from 'node:crypto';

import { signCallback } from './webhook-signature';

describe(signCallback.name, () => {
  it('is the hex HMAC-SHA256 of "<timestamp>.<body>" with the secret, prefixed sha256=', () => {
    const expected = createHmac('sha256', 'a-secret-of-16-chars')
      .update('1700000000.{"id":"x"}')
      .digest('hex');
    expect(signCallback('a-secret-of-16-chars', 1700000000, '{"id":"x"}')).toBe(`sha256=${expected}`);
  });

  it('changes with the timestamp, so an old signature does not fit a new delivery time', () => {
    expect(signCallback('s', 1, 'b')).not.toBe(signCallback('s', 2, 'b'));
  });
});
