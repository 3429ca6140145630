import { RedisKeys, SLOT_GROUPS, hashTagOf, slotGroupOf } from './redis-keys';

describe(RedisKeys.name, () => {
  describe('on one server or a Sentinel master', () => {
    const sut = new RedisKeys('gridllm');

    it('keeps the plain prefix:name keys', () => {
      expect(sut.worker('w1')).toBe('gridllm:worker:w1');
      expect(sut.jobStream('j1')).toBe('gridllm:job-stream:j1');
      expect(sut.wake('reader-1', 'job-3')).toBe('gridllm:wake:reader-1');
    });
  });

  describe('in a Redis Cluster', () => {
    const sut = new RedisKeys('gridllm', true);

    it('puts the registry, API keys and limits in one slot group', () => {
      const grid = [
        sut.worker('w1'),
        sut.workers(),
        sut.modelWorkers('m:latest'),
        sut.models(),
        sut.gateway('g1'),
        sut.apiKey('k1'),
        sut.apiKeyBySecretHash('ab'),
        sut.ownerJobs('k1'),
        sut.availability('m:latest', 0),
      ];
      expect(new Set(grid.map(hashTagOf))).toEqual(new Set(['grid']));
    });

    it('keeps each job’s keys together and spreads different jobs over the groups', () => {
      const ids = Array.from({ length: 200 }, (_, n) => `job-${n}`);
      for (const id of ids.slice(0, 5)) {
        const tags = [sut.jobStream(id), sut.jobQueue(id), sut.jobCancel(id)].map(hashTagOf);
        expect(new Set(tags)).toEqual(new Set([sut.jobGroup(id)]));
      }
      expect(new Set(ids.map((id) => hashTagOf(sut.jobStream(id)))).size).toBe(SLOT_GROUPS);
    });

    it('gives a wake key the slot group it wakes', () => {
      expect(hashTagOf(sut.wake('reader-1', 'job-3'))).toBe('job-3');
    });

    it('lets a prefix with its own hash tag keep every key in that one slot', () => {
      const tagged = new RedisKeys('{gridllm}', true);
      expect(hashTagOf(tagged.jobStream('j1'))).toBe('gridllm');
      expect(hashTagOf(tagged.worker('w1'))).toBe('gridllm');
    });
  });
});

describe('hashTagOf', () => {
  it.each([
    ['a:{x}:b', 'x'],
    ['{x}{y}', 'x'],
    ['a:{}:b', 'a:{}:b'],
    ['a:{x', 'a:{x'],
    ['plain', 'plain'],
  ])('hashes %s by %s, as Redis Cluster does', (key, tag) => {
    expect(hashTagOf(key)).toBe(tag);
  });
});

describe('slotGroupOf', () => {
  it('is stable and within range', () => {
    expect(slotGroupOf('llama3.2%3Alatest')).toBe(slotGroupOf('llama3.2%3Alatest'));
    expect(slotGroupOf('x')).toBeGreaterThanOrEqual(0);
    expect(slotGroupOf('x')).toBeLessThan(SLOT_GROUPS);
  });
});
