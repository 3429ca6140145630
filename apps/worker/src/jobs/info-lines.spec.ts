import { infoLinesOn } from './info-lines';

describe(infoLinesOn.name, () => {
  it.each([
    ['info', true],
    ['log', true],
    ['debug', true],
    ['warn', false],
    ['error', false],
  ])('answers %s with %s', (level, expected) => {
    expect(infoLinesOn(level)).toBe(expected);
  });
});
