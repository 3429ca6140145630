import type { Request } from 'express';

import { InvalidRequestError } from '@gridllm/contracts';

import { continuationRequested } from './continue-option';

const withHeader = (value?: string) =>
  ({ headers: value === undefined ? {} : { 'x-gridllm-continue': value } }) as unknown as Request;

describe(continuationRequested.name, () => {
  it('is off without the header', () => {
    expect(continuationRequested(withHeader())).toBe(false);
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['false', false],
  ])('reads %s as %s', (value, expected) => {
    expect(continuationRequested(withHeader(value))).toBe(expected);
  });

  it("follows the key's continueStreams setting without the header, and the header over it", () => {
    const user = { kind: 'api-key', id: 'k', scopes: ['inference'], continueStreams: true };
    expect(continuationRequested({ headers: {}, user } as unknown as Request)).toBe(true);
    const off = { headers: { 'x-gridllm-continue': 'false' }, user } as unknown as Request;
    expect(continuationRequested(off)).toBe(false);
  });

  it('refuses any other value with a 400', () => {
    expect(() => continuationRequested(withHeader('yes'))).toThrow(InvalidRequestError);
  });
});
