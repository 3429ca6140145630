import { nvpFields, summariseGc } from './gc-trace';

const scavenge = (promoted: number, survived: number, pause: number) =>
  `[123:0x1]   3356 ms: pause=${pause} mutator=218.3 gc=s reduce_memory=0 scavenge=2.41 ` +
  `promoted=${promoted} new_space_survived=${survived} promotion_rate=97.4%`;

describe('gc-trace', () => {
  it('reads the fields of a --trace-gc-nvp line and nothing else', () => {
    expect(nvpFields(scavenge(764184, 652136, 2.5))?.get('promoted')).toBe('764184');
    expect(nvpFields('gateway listening on 127.0.0.1:8080')).toBeNull();
  });

  it('sums collections by kind: means, the longest pause and pauses over 2 ms', () => {
    const output = [
      scavenge(1000, 3000, 1.0),
      'some log line in between',
      scavenge(3000, 1000, 3.0),
      '[123:0x1]   4000 ms: pause=6.5 mutator=100 gc=mc promoted=56120 new_space_survived=0',
    ].join('\n');

    const summary = summariseGc(output);

    expect(summary.s).toEqual({
      count: 2,
      promotedBytes: 2000,
      survivedBytes: 2000,
      meanPauseMs: 2,
      maxPauseMs: 3,
      over2Ms: 1,
    });
    expect(summary.mc).toMatchObject({ count: 1, promotedBytes: 56120, maxPauseMs: 6.5, over2Ms: 1 });
  });
});
