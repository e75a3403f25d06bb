import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../shared/jobs.ts';
import { nextRun, parseCron, isValidTimeZone } from '../../server/queue/cron.ts';
import { InvalidCronError, QueueError } from '../../server/queue/errors.ts';
import { INSIGHTS_EVERY_HOURS, SYNC_EVERY_HOURS, insightsSchedulerId, spreadCron, stableHash, syncSchedulerId } from '../../server/queue/schedule-plan.ts';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Wednesday 5 March 2025, 10:30:15 UTC (05:30:15 EST in New York; DST starts there on Sunday 9 March). */
const FROM = new Date('2025-03-05T10:30:15.000Z');

/** `n` consecutive run times of a pattern after `from`, as epoch ms. */
function runs(pattern: string, n: number, tz = 'UTC', from = FROM): number[] {
  const it = parseCron(pattern, tz, from);
  return Array.from({ length: n }, () => it.next().getTime());
}

function expectInvalidCron(fn: () => unknown, pattern: string, reason?: RegExp) {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(InvalidCronError);
  expect(caught).toBeInstanceOf(QueueError);
  const err = caught as InvalidCronError;
  expect(err.code).toBe('INVALID_CRON');
  expect(err.name).toBe('InvalidCronError');
  expect(err.pattern).toBe(pattern);
  expect(err.message).toContain(pattern);
  if (reason) expect(err.message).toMatch(reason);
}

describe('nextRun with the guide patterns', () => {
  it.each([
    ['0 * * * *', 'every hour', '2025-03-05T11:00:00.000Z'],
    ['0 */6 * * *', 'every 6 hours', '2025-03-05T12:00:00.000Z'],
    ['0 8 * * *', 'daily at 8:00', '2025-03-06T08:00:00.000Z'],
    ['0 8 * * 1', 'Mondays at 8:00', '2025-03-10T08:00:00.000Z'],
    ['0 8 1 * *', 'the 1st of the month at 8:00', '2025-04-01T08:00:00.000Z'],
  ])('%s (%s) in UTC', (pattern, _label, expected) => {
    expect(iso(nextRun(pattern, 'UTC', FROM))).toBe(expected);
  });

  it.each([
    // 05:30 EST → 06:00 EST = 11:00Z
    ['0 * * * *', '2025-03-05T11:00:00.000Z'],
    // hours 0,6,12,18 New York time: 06:00 EST
    ['0 */6 * * *', '2025-03-05T11:00:00.000Z'],
    // 08:00 EST the same day (it is 05:30 there)
    ['0 8 * * *', '2025-03-05T13:00:00.000Z'],
    // Monday 10 March is after the switch to EDT (UTC-4): 08:00 EDT = 12:00Z
    ['0 8 * * 1', '2025-03-10T12:00:00.000Z'],
    // 1 April, EDT
    ['0 8 1 * *', '2025-04-01T12:00:00.000Z'],
  ])('%s in America/New_York', (pattern, expected) => {
    expect(iso(nextRun(pattern, 'America/New_York', FROM))).toBe(expected);
  });

  it('uses the local time zone when none is given', () => {
    // Built from local fields, so it holds whatever TZ the test process runs in.
    const from = new Date(2025, 2, 5, 10, 30, 15);
    expect(nextRun('0 8 * * *', undefined, from)).toBe(new Date(2025, 2, 6, 8, 0, 0).getTime());
    expect(nextRun('0 * * * *', undefined, from)).toBe(new Date(2025, 2, 5, 11, 0, 0).getTime());
  });

  it('is strictly after `from`, even when `from` is exactly on a run', () => {
    const onTheHour = new Date('2025-03-05T11:00:00.000Z');
    expect(iso(nextRun('0 * * * *', 'UTC', onTheHour))).toBe('2025-03-05T12:00:00.000Z');
  });

  it('defaults `from` to now', () => {
    const before = Date.now();
    const next = nextRun('* * * * *');
    expect(next).toBeGreaterThan(before);
    expect(next).toBeLessThanOrEqual(before + 60_000 + 1_000);
  });

  it('accepts a 6-field pattern (with seconds)', () => {
    expect(iso(nextRun('30 0 * * * *', 'UTC', FROM))).toBe('2025-03-05T11:00:30.000Z');
  });

  it('parseCron gives an iterator over the following runs', () => {
    expect(runs('0 8 * * 1', 3).map(iso)).toEqual(['2025-03-10T08:00:00.000Z', '2025-03-17T08:00:00.000Z', '2025-03-24T08:00:00.000Z']);
  });
});

describe('bad patterns and time zones', () => {
  it.each([
    ['bad', /5 fields/],
    ['61 * * * *', /61/],
    ['* * * *', /got 4/],
    ['* * * * * * *', /got 7/],
    ['0 25 * * *', /25/],
    ['0 8 32 * *', /32/],
    ['', /got/],
  ])('%j throws InvalidCronError (INVALID_CRON)', (pattern, reason) => {
    expectInvalidCron(() => parseCron(pattern), pattern, reason);
    expectInvalidCron(() => nextRun(pattern, 'UTC', FROM), pattern, reason);
  });

  it('an unknown time zone throws InvalidCronError naming the zone', () => {
    expectInvalidCron(() => nextRun('0 8 * * *', 'Mars/Olympus_Mons', FROM), '0 8 * * *', /Mars\/Olympus_Mons/);
    expectInvalidCron(() => parseCron('0 8 * * *', 'not a zone'), '0 8 * * *', /time zone/);
  });

  it('isValidTimeZone', () => {
    expect(isValidTimeZone('America/New_York')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});

describe('spreadCron', () => {
  const keys = ['sync-int-1', 'sync-int-2', 'insights-org-1', 'a', 'b', 'c', 'sync-shopify-store-42', 'x'.repeat(200)];

  it.each([2, 3, 4, 6, 24])('every %i hours: consecutive runs are exactly that far apart', (hours) => {
    for (const key of keys) {
      const pattern = spreadCron(key, hours);
      // Enough runs to cross midnight several times (where an hour list could wrap unevenly).
      const times = runs(pattern, Math.max(30, Math.ceil(72 / hours + 1)));
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      expect(new Set(gaps), `${key} → "${pattern}"`).toEqual(new Set([hours * HOUR]));
      // The first run is within one period of `from`.
      expect(times[0] - FROM.getTime()).toBeGreaterThan(0);
      expect(times[0] - FROM.getTime()).toBeLessThanOrEqual(hours * HOUR);
    }
  });

  it('gives a valid 5-field pattern whose minute comes from the key', () => {
    for (const hours of [2, 3, 4, 6, 24]) {
      for (const key of keys) {
        const pattern = spreadCron(key, hours);
        expect(pattern.split(' ')).toHaveLength(5);
        expect(() => parseCron(pattern)).not.toThrow();
        expect(Number(pattern.split(' ')[0])).toBe(stableHash(key) % 60);
        for (const t of runs(pattern, 5)) expect(new Date(t).getUTCMinutes()).toBe(stableHash(key) % 60);
      }
    }
  });

  it('is stable for a key (same pattern on every call)', () => {
    for (const hours of [2, 3, 4, 6, 24]) {
      for (const key of keys) expect(spreadCron(key, hours)).toBe(spreadCron(key, hours));
    }
    // Pinned values: the hash must not change between releases or every schedule would move.
    expect(stableHash('')).toBe(2166136261);
    expect(spreadCron('a', 2)).toBe('40 1-23/2 * * *');
    expect(spreadCron('b', 2)).toBe('37 */2 * * *');
    expect(spreadCron('a', 24)).toBe('40 23 * * *');
  });

  it('spreads different keys over different minutes (and daily ones over different hours)', () => {
    const ids = Array.from({ length: 200 }, (_, i) => syncSchedulerId(`integration-${i}`));
    const minutes = new Set(ids.map((id) => spreadCron(id, 2).split(' ')[0]));
    // 200 keys over 60 minutes: a fair hash fills almost all of them.
    expect(minutes.size).toBeGreaterThanOrEqual(45);
    const dailyHours = new Set(ids.map((id) => spreadCron(id, 24).split(' ')[1]));
    expect(dailyHours.size).toBeGreaterThanOrEqual(18);
    // …and different keys do not all land on :00.
    expect(ids.filter((id) => spreadCron(id, 2).startsWith('0 ')).length).toBeLessThan(20);
  });

  it('spreads the first run of a 6-hour schedule over the period', () => {
    const starts = new Set(Array.from({ length: 100 }, (_, i) => new Date(runs(spreadCron(insightsSchedulerId(`org-${i}`), 6), 1)[0]).getUTCHours() % 6));
    expect(starts.size).toBe(6);
  });
});

describe('the guide frequencies', () => {
  it('SYNC_EVERY_HOURS', () => {
    expect(SYNC_EVERY_HOURS).toEqual({
      shopify: 2,
      woocommerce: 2,
      stripe: 3,
      'google-analytics': 4,
      'facebook-ads': 24,
    });
    expect(Object.keys(SYNC_EVERY_HOURS).sort()).toEqual([...PLATFORMS].sort());
  });

  it('INSIGHTS_EVERY_HOURS is 6', () => {
    expect(INSIGHTS_EVERY_HOURS).toBe(6);
  });

  it('scheduler ids', () => {
    expect(syncSchedulerId('int-1')).toBe('sync-int-1');
    expect(insightsSchedulerId('org-1')).toBe('insights-org-1');
  });
});
