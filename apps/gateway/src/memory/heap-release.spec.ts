import { HeapRelease, exposeGc } from './heap-release';

const MB = 1024 * 1024;

describe(HeapRelease.name, () => {
  let collect: jest.Mock;
  let sut: HeapRelease;

  beforeEach(() => {
    jest.useFakeTimers();
    collect = jest.fn();
    sut = new HeapRelease(collect, 2000);
  });

  afterEach(() => {
    sut.stop();
    jest.useRealTimers();
  });

  describe('bodyRead', () => {
    it('collects once, after a burst of large bodies has been quiet for a while', () => {
      for (let i = 0; i < 6; i += 1) {
        sut.bodyRead(5 * MB);
        jest.advanceTimersByTime(1000);
      }
      expect(collect).not.toHaveBeenCalled();
      jest.advanceTimersByTime(1000);
      expect(collect).toHaveBeenCalledTimes(1);
    });

    it('does not collect for a few large bodies or any number of small ones', () => {
      sut.bodyRead(5 * MB);
      for (let i = 0; i < 1000; i += 1) sut.bodyRead(100 * 1024);
      jest.advanceTimersByTime(10000);
      expect(collect).not.toHaveBeenCalled();
    });

    it('counts again from zero after a collection', () => {
      for (let i = 0; i < 4; i += 1) sut.bodyRead(5 * MB);
      jest.advanceTimersByTime(2000);
      sut.bodyRead(5 * MB);
      jest.advanceTimersByTime(2000);
      expect(collect).toHaveBeenCalledTimes(1);
    });
  });

  describe(exposeGc.name, () => {
    it('gives a working full collection without --expose-gc', () => {
      const gc = exposeGc();
      expect(typeof gc).toBe('function');
      expect(() => gc()).not.toThrow();
    });
  });
});
