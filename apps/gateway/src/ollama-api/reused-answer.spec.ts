import { ReusedAnswer } from './reused-answer';

describe(ReusedAnswer.name, () => {
  let now: number;
  let read: jest.Mock<Promise<string>, []>;
  let sut: ReusedAnswer<string>;

  beforeEach(() => {
    now = 1000;
    read = jest.fn<Promise<string>, []>().mockResolvedValue('a');
    sut = new ReusedAnswer(read, 500, () => now);
  });

  describe('get', () => {
    it('reads once for callers within the reuse time, concurrent ones included', async () => {
      await expect(Promise.all([sut.get(), sut.get()])).resolves.toEqual(['a', 'a']);
      now += 499;
      await expect(sut.get()).resolves.toBe('a');
      expect(read).toHaveBeenCalledTimes(1);
    });

    it('reads again once the reuse time has passed', async () => {
      await sut.get();
      read.mockResolvedValue('b');
      now += 500;
      await expect(sut.get()).resolves.toBe('b');
      expect(read).toHaveBeenCalledTimes(2);
    });

    it('does not keep a failed read', async () => {
      read.mockRejectedValueOnce(new Error('redis down'));
      await expect(sut.get()).rejects.toThrow('redis down');
      await expect(sut.get()).resolves.toBe('a');
      expect(read).toHaveBeenCalledTimes(2);
    });
  });
});
