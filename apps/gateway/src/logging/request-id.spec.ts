import { requestIdFrom } from './request-id';

describe(requestIdFrom.name, () => {
  it("keeps the client's plain id", () => {
    expect(requestIdFrom('marker-req-123')).toBe('marker-req-123');
  });

  it('takes the first of repeated headers', () => {
    expect(requestIdFrom(['a-1', 'b-2'])).toBe('a-1');
  });

  it.each([undefined, '', 'has space', 'x'.repeat(129), 'line\nbreak', '{"json":1}'])(
    'generates a UUID instead of %j',
    (header) => {
      expect(requestIdFrom(header)).toMatch(/^[0-9a-f-]{36}$/);
    },
  );
});
