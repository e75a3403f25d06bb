import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QUEUE_NAMES, type Overview } from '../../shared/queues.ts';
import { downsample } from '../../server/monitoring/depth-history.ts';
import { jobMatches } from '../../server/monitoring/job-search.ts';
import { StatsHub } from '../../server/monitoring/stats-hub.ts';
import { MAX_POINTS, RANGE_MINUTES, bucketize, toSeries, type MetricsSeries } from '../../server/monitoring/throughput.ts';

const MIN = 60_000;

/**
 * A model of BullMQ's collectMetrics.lua (bullmq 6): `count` counts every finished job; the first
 * job only sets prevTS; a job in a later minute pushes the delta of prevTS's minute and N-1 zeros
 * (newest first), then moves prevTS/prevCount to itself.
 */
function bullMetrics(finishedAt: number[], maxDataPoints = 20_160) {
  const meta: { count?: number; prevTS?: number; prevCount?: number } = {};
  let data: number[] = [];
  for (const ts of finishedAt) {
    const count = (meta.count = (meta.count ?? 0) + 1) - 1;
    if (meta.prevTS === undefined) {
      meta.prevTS = ts;
      meta.prevCount = 0;
      continue;
    }
    const n = Math.min(Math.floor(ts / MIN) - Math.floor(meta.prevTS / MIN), maxDataPoints);
    if (n > 0) {
      const pushed = [count - meta.prevCount!, ...Array<number>(n - 1).fill(0)];
      for (const p of pushed) data.unshift(p); // LPUSH one by one
      data = data.slice(0, maxDataPoints);
      meta.prevCount = count;
      meta.prevTS = ts;
    }
  }
  // What Queue.getMetrics returns (meta as numbers).
  return { meta: { count: meta.count ?? 0, prevTS: meta.prevTS ?? 0, prevCount: meta.prevCount ?? 0 }, data };
}

/** Finish times → true per-minute counts. */
function perMinute(finishedAt: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const ts of finishedAt) {
    const minute = Math.floor(ts / MIN) * MIN;
    m.set(minute, (m.get(minute) ?? 0) + 1);
  }
  return m;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const EMPTY: MetricsSeries = { data: [], lastMinute: 0 };

// A fixed "now": 2025-03-10 12:30:15 UTC.
const NOW = Date.UTC(2025, 2, 10, 12, 30, 15);
const NOW_MINUTE = Date.UTC(2025, 2, 10, 12, 30);
const at = (h: number, m: number, s = 0) => Date.UTC(2025, 2, 10, h, m, s);

describe('toSeries (BullMQ metrics layout)', () => {
  it("puts the running minute (count - prevCount) first, at prevTS's minute, then the closed minutes", () => {
    // Three jobs in 12:29 so far; closed minutes 12:28 = 2, 12:27 = 0, 12:26 = 5.
    const s = toSeries({ meta: { count: 10, prevTS: at(12, 29, 30), prevCount: 7 }, data: [2, 0, 5] });
    expect(s).toEqual({ data: [3, 2, 0, 5], lastMinute: at(12, 29) });
  });

  it('accepts the raw string form of the meta hash and list', () => {
    const s = toSeries({ meta: { count: '4', prevTS: String(at(12, 0, 59)), prevCount: '1' }, data: ['6', '0'] });
    expect(s).toEqual({ data: [3, 6, 0], lastMinute: at(12, 0) });
  });

  it('is empty when no job was ever counted (no prevTS)', () => {
    expect(toSeries({ meta: {}, data: [] })).toEqual({ data: [], lastMinute: 0 });
    expect(toSeries({ meta: { count: 0, prevTS: 0, prevCount: 0 }, data: [] })).toEqual({ data: [], lastMinute: 0 });
  });

  it('counts the very first job (BullMQ only sets prevTS for it)', () => {
    const m = bullMetrics([at(12, 30, 1)]);
    expect(toSeries(m)).toEqual({ data: [1], lastMinute: at(12, 30) });
  });

  it('matches the true per-minute counts of a simulated BullMQ history', () => {
    const finished = [at(12, 10, 5), at(12, 10, 50), at(12, 13, 0), at(12, 13, 59), at(12, 13, 59), at(12, 20, 30), at(12, 29, 1), at(12, 29, 2)];
    const s = toSeries(bullMetrics(finished));
    const truth = perMinute(finished);
    expect(s.lastMinute).toBe(at(12, 29));
    s.data.forEach((v, i) => {
      expect(v, `minute ${new Date(s.lastMinute - i * MIN).toISOString()}`).toBe(truth.get(s.lastMinute - i * MIN) ?? 0);
    });
    expect(sum(s.data)).toBe(finished.length);
  });
});

describe('bucketize', () => {
  it('1h: 60 one-minute points, oldest first, ending at the current minute', () => {
    const { bucketMinutes, points } = bucketize(EMPTY, EMPTY, '1h', NOW);
    expect(bucketMinutes).toBe(1);
    expect(points).toHaveLength(60);
    expect(points[59].t).toBe(NOW_MINUTE);
    expect(points[0].t).toBe(NOW_MINUTE - 59 * MIN);
    for (let i = 1; i < points.length; i++) expect(points[i].t - points[i - 1].t).toBe(MIN);
    expect(points.every((p) => p.completed === 0 && p.failed === 0)).toBe(true);
  });

  it.each([
    ['24h', 12],
    ['7d', 84],
  ] as const)('%s: at most MAX_POINTS buckets of %i minutes covering the range up to now', (range, minutes) => {
    const { bucketMinutes, points } = bucketize(EMPTY, EMPTY, range, NOW);
    expect(MAX_POINTS).toBe(120);
    expect(bucketMinutes).toBe(minutes);
    expect(points.length).toBeLessThanOrEqual(120);
    expect(points.length * bucketMinutes).toBeGreaterThanOrEqual(RANGE_MINUTES[range]);
    for (let i = 1; i < points.length; i++) expect(points[i].t - points[i - 1].t).toBe(bucketMinutes * MIN);
    const last = points[points.length - 1];
    expect(last.t).toBeLessThanOrEqual(NOW_MINUTE);
    expect(last.t + bucketMinutes * MIN).toBeGreaterThan(NOW_MINUTE);
  });

  it('places each minute in its bucket and ignores minutes outside the window', () => {
    const finished = [
      at(11, 20), // 70 min ago: outside 1h
      at(11, 31, 0), // the first minute of the 1h window
      at(11, 45, 10),
      at(11, 45, 20),
      at(11, 45, 30),
      at(11, 45, 40),
      at(12, 27, 50),
      at(12, 29, 10),
      at(12, 29, 11),
      at(12, 30, 1),
      at(12, 30, 2),
      at(12, 30, 5), // the running minute
    ];
    const completed = toSeries(bullMetrics(finished));
    const { points } = bucketize(completed, EMPTY, '1h', NOW);
    const byT = new Map(points.map((p) => [p.t, p.completed]));
    expect(byT.get(at(11, 31))).toBe(1);
    expect(byT.get(at(11, 45))).toBe(4);
    expect(byT.get(at(12, 27))).toBe(1);
    expect(byT.get(at(12, 28))).toBe(0);
    expect(byT.get(at(12, 29))).toBe(2);
    expect(byT.get(at(12, 30))).toBe(3);
    expect(sum(points.map((p) => p.completed))).toBe(finished.length - 1);
    expect(points.every((p) => p.failed === 0)).toBe(true);
  });

  it('sums minutes into wide buckets (24h) and keeps completed and failed apart', () => {
    const finished = [at(0, 45), at(10, 0, 1), at(10, 5), at(10, 11, 59), at(12, 25), at(12, 30, 14)];
    const failedAt = [at(12, 29), at(12, 30)];
    const { bucketMinutes, points } = bucketize(toSeries(bullMetrics(finished)), toSeries(bullMetrics(failedAt)), '24h', NOW);
    expect(sum(points.map((p) => p.completed))).toBe(finished.length);
    expect(sum(points.map((p) => p.failed))).toBe(2);
    // Every finish time lands in the bucket whose [t, t + bucket) contains its minute.
    for (const ts of finished) {
      const minute = Math.floor(ts / MIN) * MIN;
      const p = points.find((q) => q.t <= minute && minute < q.t + bucketMinutes * MIN);
      expect(p, new Date(ts).toISOString()).toBeDefined();
      expect(p!.completed).toBeGreaterThan(0);
    }
    const last = points[points.length - 1];
    expect(last.failed).toBe(2);
    // 12:25 and 12:30:14 share the last 12-minute bucket (it spans 12:19..12:30).
    expect(last.completed).toBe(2);
  });

  it('ignores minutes later than now (clock skew) and an old running minute outside the range', () => {
    const future: MetricsSeries = { data: [7, 1], lastMinute: NOW_MINUTE + 2 * MIN }; // 12:32 = 7, 12:31 = 1
    expect(sum(bucketize(future, EMPTY, '1h', NOW).points.map((p) => p.completed))).toBe(0);
    const withNow: MetricsSeries = { data: [7, 1, 4], lastMinute: NOW_MINUTE + 2 * MIN }; // 12:30 = 4
    expect(bucketize(withNow, EMPTY, '1h', NOW).points[59].completed).toBe(4);
    // The last job ran 3 hours ago: nothing in the last hour, all of it in the last day.
    const old = toSeries(bullMetrics([at(9, 30), at(9, 30, 30)]));
    expect(sum(bucketize(old, EMPTY, '1h', NOW).points.map((p) => p.completed))).toBe(0);
    expect(sum(bucketize(old, EMPTY, '24h', NOW).points.map((p) => p.completed))).toBe(2);
  });

  it('7d keeps a week-old minute and drops one just past the week', () => {
    const weekAgo = NOW_MINUTE - (10_080 - 1) * MIN;
    const series: MetricsSeries = { data: [1, 2], lastMinute: weekAgo }; // weekAgo = 1, weekAgo - 1 min = 2
    const { points } = bucketize(series, EMPTY, '7d', NOW);
    expect(points[0].t).toBe(weekAgo);
    expect(sum(points.map((p) => p.completed))).toBe(1);
  });
});

describe('downsample (depth history)', () => {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);

  it('returns the points unchanged when there are at most max', () => {
    expect(downsample(range(10), 10)).toEqual(range(10));
    expect(downsample([], 5)).toEqual([]);
  });

  it('keeps the first and the last point, in order', () => {
    const out = downsample(range(1000), 100);
    expect(out[0]).toBe(0);
    expect(out[out.length - 1]).toBe(999);
    expect([...out].sort((a, b) => a - b)).toEqual(out);
    expect(new Set(out).size).toBe(out.length);
  });

  it.each([
    [1000, 360],
    [8640, 360], // 24 h of 10 s samples into the chart's 360 points
    [2016, 360], // 7 d of 5 min samples
    [361, 360],
    [5, 2],
    [7, 3],
  ])('never returns more than max (%i points → at most %i)', (n, max) => {
    const out = downsample(range(n), max);
    expect(out.length).toBeLessThanOrEqual(max);
    expect(out[out.length - 1]).toBe(n - 1);
    expect(out.length).toBeGreaterThanOrEqual(Math.min(max, n) / 2);
  });
});

describe('jobMatches', () => {
  const job = {
    id: '42',
    name: 'alert-DATA_ANOMALY',
    data: { organizationId: 'org-7', metadata: { store: { domain: 'Acme-Shop.myshopify.com', tags: ['VIP', 'eu'] } } },
  };

  it('matches the id, the name and values nested anywhere in the data, case-insensitively', () => {
    expect(jobMatches(job, '42')).toBe(true);
    expect(jobMatches(job, 'data_anomaly')).toBe(true);
    expect(jobMatches(job, 'acme-shop.MYSHOPIFY')).toBe(true);
    expect(jobMatches(job, 'vip')).toBe(true);
    expect(jobMatches(job, 'org-7')).toBe(true);
  });

  it('does not match text that is nowhere in the job', () => {
    expect(jobMatches(job, 'org-8')).toBe(false);
    expect(jobMatches(job, 'globex')).toBe(false);
  });

  it('copes with null/undefined data and numeric values', () => {
    expect(jobMatches({ id: 'a1', name: 'x', data: null }, 'null')).toBe(true);
    expect(jobMatches({ id: 'a1', name: 'x', data: undefined }, 'zzz')).toBe(false);
    expect(jobMatches({ id: 'a1', name: 'x', data: { amount: 12345 } }, '2345')).toBe(true);
  });
});

describe('StatsHub (fake read, fake timers)', () => {
  // The hub's poll is a setInterval: fake timers make "N intervals later" exact.
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const overview = (n: number): Overview => ({
    queues: QUEUE_NAMES.map((name) => ({ name, isPaused: false, stats: { waiting: n, active: 0, completed: 0, failed: 0, delayed: 0, paused: 0 } })),
    totals: { waiting: n * 6, active: 0, completed: 0, failed: 0, delayed: 0, paused: 0 },
    at: n,
  });

  /** A read that answers at once with reading number `calls`. */
  function fakeRead() {
    const state = { calls: 0 };
    const read = async () => overview(++state.calls);
    return { read, state };
  }

  /** A read that answers only when the test says (a Redis slower than the interval). */
  function heldRead() {
    const state = { calls: 0, inFlight: 0, maxInFlight: 0 };
    const answers: Array<() => void> = [];
    const read = () => {
      const n = ++state.calls;
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      return new Promise<Overview>((resolve) =>
        answers.push(() => {
          state.inFlight--;
          resolve(overview(n));
        }),
      );
    };
    const answerAll = () => {
      for (const answer of answers.splice(0)) answer();
    };
    return { read, state, answerAll };
  }

  /** Runs the timers due within `ms` (0: none, only what is already settling) and the reads they start. */
  const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

  it('does nothing until someone subscribes', async () => {
    const { read, state } = fakeRead();
    const hub = new StatsHub(read, 20);
    await advance(20 * 5);
    expect(state.calls).toBe(0);
    expect(hub.running).toBe(false);
    expect(hub.subscriberCount).toBe(0);
  });

  it('polls at once on the first subscribe, then every interval, and delivers each reading', async () => {
    const { read, state } = fakeRead();
    const hub = new StatsHub(read, 40);
    const got: Overview[] = [];
    const off = hub.subscribe((o) => got.push(o));
    expect(hub.running).toBe(true);
    await advance(0);
    expect(got.map((o) => o.at)).toEqual([1]); // the immediate poll, not after a full interval
    await advance(39);
    expect(got).toHaveLength(1);
    await advance(1);
    expect(got).toHaveLength(2);
    await advance(40 * 3);
    expect(got.map((o) => o.at)).toEqual([1, 2, 3, 4, 5]);
    expect(hub.polls).toBe(5);
    expect(state.calls).toBe(5);
    off();
    await advance(40 * 3);
    expect(state.calls).toBe(5);
  });

  it('shares one poll between subscribers: the second gets the latest reading at once, polls do not double', async () => {
    const { read, state } = fakeRead();
    const hub = new StatsHub(read, 40);
    const a: Overview[] = [];
    const b: Overview[] = [];
    const offA = hub.subscribe((o) => a.push(o));
    await advance(40 * 2);
    expect(a).toHaveLength(3);
    const before = hub.polls;
    const offB = hub.subscribe((o) => b.push(o));
    expect(hub.subscriberCount).toBe(2);
    expect(b).toHaveLength(1); // synchronously, the latest reading
    expect(b[0]).toBe(a[a.length - 1]);
    await advance(40 * 10);
    // One poll per interval for both together; two independent pollers would make 20.
    expect(hub.polls - before).toBe(10);
    expect(state.calls).toBe(hub.polls);
    // Both listeners got the very same reading objects after B joined.
    expect(b).toHaveLength(11);
    const tailA = a.slice(a.indexOf(b[0]));
    expect(tailA).toHaveLength(11);
    tailA.forEach((o, i) => {
      expect(b[i]).toBe(o);
    });
    offA();
    expect(hub.running).toBe(true);
    expect(hub.subscriberCount).toBe(1);
    offB();
  });

  it('stops polling when the last subscriber leaves and forgets the stale reading', async () => {
    const { read, state } = fakeRead();
    const hub = new StatsHub(read, 30);
    const offA = hub.subscribe(() => undefined);
    const offB = hub.subscribe(() => undefined);
    await advance(30 * 3);
    expect(state.calls).toBe(4);
    offA();
    offB();
    expect(hub.running).toBe(false);
    expect(hub.subscriberCount).toBe(0);
    await advance(30 * 5);
    expect(state.calls).toBe(4);
    // A later subscriber is not handed the old reading synchronously; it waits for a fresh poll.
    const got: Overview[] = [];
    const off = hub.subscribe((o) => got.push(o));
    expect(got).toHaveLength(0);
    await advance(0);
    expect(got.map((o) => o.at)).toEqual([5]);
    off();
    off(); // unsubscribing twice is harmless
    expect(hub.running).toBe(false);
  });

  it('never runs two reads at once when Redis is slower than the interval', async () => {
    const { read, state, answerAll } = heldRead();
    const hub = new StatsHub(read, 20);
    const off = hub.subscribe(() => undefined);
    // Five intervals pass while the first read is still out: none of them starts another.
    await advance(20 * 5);
    expect(state.calls).toBe(1);
    expect(hub.polls).toBe(1);
    answerAll();
    await advance(0);
    expect(state.calls).toBe(1);
    // The next interval after it answered polls again.
    await advance(20);
    expect(state.calls).toBe(2);
    expect(state.maxInFlight).toBe(1);
    answerAll();
    off();
  });

  it('reports a failed read and keeps polling', async () => {
    let n = 0;
    const errors: Error[] = [];
    const hub = new StatsHub(
      async () => {
        n++;
        if (n === 1) throw new Error('redis down');
        return overview(n);
      },
      25,
      (err) => errors.push(err),
    );
    const got: Overview[] = [];
    const off = hub.subscribe((o) => got.push(o));
    await advance(0);
    expect(errors.map((e) => e.message)).toEqual(['redis down']);
    expect(got).toEqual([]);
    await advance(25 * 3);
    off();
    expect(errors).toHaveLength(1);
    expect(got.map((o) => o.at)).toEqual([2, 3, 4]);
  });

  it('stream() yields readings and ends when the signal aborts, unsubscribing', async () => {
    const { read } = fakeRead();
    const hub = new StatsHub(read, 30);
    const ac = new AbortController();
    const seen: number[] = [];
    let ended = false;
    const done = (async () => {
      for await (const o of hub.stream(ac.signal)) {
        seen.push(o.at);
        // Aborted from outside the loop, while the stream waits for its next reading.
        if (seen.length === 3) setTimeout(() => ac.abort(), 0);
      }
      ended = true;
    })();
    await advance(30 * 2);
    expect(seen).toEqual([1, 2, 3]);
    expect(ended).toBe(false);
    await advance(1); // the abort's 0 ms timer, set during a tick, runs 1 ms later
    expect(ended).toBe(true);
    expect(seen).toEqual([1, 2, 3]);
    await done;
    expect(hub.subscriberCount).toBe(0);
    expect(hub.running).toBe(false);
  });

  it('stream() ends while waiting for a reading when aborted (no reading needed to notice)', async () => {
    const hub = new StatsHub(() => new Promise<Overview>(() => undefined), 1000); // a read that never answers
    const ac = new AbortController();
    const it = hub.stream(ac.signal)[Symbol.asyncIterator]();
    let result: IteratorResult<Overview> | undefined;
    void it.next().then((r) => (result = r));
    await advance(30);
    expect(hub.subscriberCount).toBe(1);
    expect(result).toBeUndefined();
    ac.abort();
    await advance(0);
    expect(result).toEqual({ done: true, value: undefined });
    expect(hub.subscriberCount).toBe(0);
    expect(hub.running).toBe(false);
  });

  it('stream() with an already-aborted signal ends at once and leaves nothing running', async () => {
    const { read } = fakeRead();
    const hub = new StatsHub(read, 30);
    const seen: Overview[] = [];
    for await (const o of hub.stream(AbortSignal.abort())) seen.push(o);
    expect(seen).toEqual([]);
    expect(hub.running).toBe(false);
    expect(hub.subscriberCount).toBe(0);
  });

  it('stream() gives a slow consumer the newest reading, not a backlog', async () => {
    const { read, state } = fakeRead();
    const hub = new StatsHub(read, 20);
    const ac = new AbortController();
    const it = hub.stream(ac.signal)[Symbol.asyncIterator]();
    const first = it.next();
    await advance(0);
    expect((await first).value).toMatchObject({ at: 1 });
    await advance(20 * 10); // ten readings arrive while nobody pulls
    expect(state.calls).toBe(11);
    const second = await it.next();
    expect((second.value as Overview).at).toBe(11);
    ac.abort();
    await it.return?.(undefined);
    expect(hub.running).toBe(false);
  });
});
