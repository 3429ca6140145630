import { specRedis } from '../../../test/support/spec-redis';
import { UsageLedger } from './usage-ledger';

const NOV_27_NOON = Date.parse('2026-11-27T12:00:00Z');
const NOV_28_EARLY = Date.parse('2026-11-28T00:00:01Z');
const DEC_01_EARLY = Date.parse('2026-12-01T00:00:01Z');
const DAY_SECONDS = 86_400;

describe(UsageLedger.name, () => {
  const redis = specRedis('usage');
  let sut: UsageLedger;

  beforeAll(() => {
    sut = new UsageLedger(redis.newClient());
  });

  describe('report', () => {
    it('sums jobs per period and per model, with model names that contain colons', async () => {
      await sut.record('key_a', 'llama3.2:latest', { promptTokens: 10, completionTokens: 5 }, NOV_27_NOON);
      await sut.record('key_a', 'llama3.2:latest', { promptTokens: 3, completionTokens: 7 }, NOV_27_NOON);
      await sut.record('key_a', 'qwen3:0.6b', { promptTokens: 1, completionTokens: 0 }, NOV_27_NOON);

      expect(await sut.report('key_a', NOV_27_NOON)).toEqual({
        owner: 'key_a',
        total: {
          prompt_tokens: 14,
          completion_tokens: 12,
          total_tokens: 26,
          requests: 3,
          models: {
            'llama3.2:latest': { prompt_tokens: 13, completion_tokens: 12, total_tokens: 25, requests: 2 },
            'qwen3:0.6b': { prompt_tokens: 1, completion_tokens: 0, total_tokens: 1, requests: 1 },
          },
        },
        day: expect.objectContaining({
          period: '2026-11-27',
          resets_at: '2026-11-28T00:00:00Z',
          total_tokens: 26,
          requests: 3,
        }),
        month: expect.objectContaining({
          period: '2026-11',
          resets_at: '2026-12-01T00:00:00Z',
          total_tokens: 26,
          requests: 3,
        }),
      });
    });

    it('shows zeros for an owner that has not used anything', async () => {
      const report = await sut.report('key_new', NOV_27_NOON);

      expect(report.total).toEqual({
        prompt_tokens: 0,
        completion_tokens: 0,
        total_tokens: 0,
        requests: 0,
        models: {},
      });
      expect(report.day).toMatchObject({ period: '2026-11-27', total_tokens: 0, models: {} });
    });

    it('starts a new day and a new month at UTC midnight, the total goes on', async () => {
      await sut.record('key_a', 'm:latest', { promptTokens: 10, completionTokens: 10 }, NOV_27_NOON);
      await sut.record('key_a', 'm:latest', { promptTokens: 1, completionTokens: 1 }, NOV_28_EARLY);
      await sut.record('key_a', 'm:latest', { promptTokens: 2, completionTokens: 2 }, DEC_01_EARLY);

      const onNov28 = await sut.report('key_a', NOV_28_EARLY);
      const onDec1 = await sut.report('key_a', DEC_01_EARLY);

      expect(onNov28.day).toMatchObject({ period: '2026-11-28', total_tokens: 2, requests: 1 });
      expect(onNov28.month).toMatchObject({ period: '2026-11', total_tokens: 22, requests: 2 });
      expect(onDec1.day).toMatchObject({ period: '2026-12-01', total_tokens: 4 });
      expect(onDec1.month).toMatchObject({ period: '2026-12', total_tokens: 4 });
      expect(onDec1.total).toMatchObject({ total_tokens: 26, requests: 3 });
    });
  });

  describe('record', () => {
    it('counts a job that produced nothing as a request with zero tokens', async () => {
      await sut.record('key_a', 'm:latest', { promptTokens: 0, completionTokens: 0 }, NOV_27_NOON);

      expect((await sut.report('key_a', NOV_27_NOON)).total).toMatchObject({ total_tokens: 0, requests: 1 });
    });

    it('loses no count when many jobs end at once', async () => {
      await Promise.all(
        Array.from({ length: 50 }, () =>
          sut.record('key_a', 'm:latest', { promptTokens: 2, completionTokens: 3 }, NOV_27_NOON),
        ),
      );

      expect((await sut.report('key_a', NOV_27_NOON)).day).toMatchObject({ total_tokens: 250, requests: 50 });
    });

    it('lets day buckets expire after about 35 days and month buckets after about 400, keeps the total', async () => {
      await sut.record('key_a', 'm:latest', { promptTokens: 1, completionTokens: 1 }, NOV_27_NOON);

      const ttl = (bucket: string) => redis.admin.ttl(`usage:usage:key_a:${bucket}`);
      expect(await ttl('day:2026-11-27')).toBeGreaterThan(34 * DAY_SECONDS);
      expect(await ttl('day:2026-11-27')).toBeLessThanOrEqual(35 * DAY_SECONDS);
      expect(await ttl('month:2026-11')).toBeGreaterThan(399 * DAY_SECONDS);
      expect(await ttl('month:2026-11')).toBeLessThanOrEqual(400 * DAY_SECONDS);
      expect(await ttl('total')).toBe(-1);
    });
  });

  describe('spent', () => {
    it('is the prompt plus completion tokens of the current bucket of each period', async () => {
      await sut.record('key_a', 'm:latest', { promptTokens: 10, completionTokens: 20 }, NOV_27_NOON);
      await sut.record('key_a', 'n:latest', { promptTokens: 1, completionTokens: 2 }, NOV_28_EARLY);

      expect(await sut.spent('key_a', 'day', NOV_28_EARLY)).toBe(3);
      expect(await sut.spent('key_a', 'month', NOV_28_EARLY)).toBe(33);
      expect(await sut.spent('key_a', 'total', DEC_01_EARLY)).toBe(33);
      expect(await sut.spent('key_a', 'month', DEC_01_EARLY)).toBe(0);
      expect(await sut.spent('key_other', 'total', NOV_27_NOON)).toBe(0);
    });
  });
});
