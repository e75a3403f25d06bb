/**
 * The tRPC queue procedures over real HTTP and real Redis: queues.* (overview, pause, empty, clean,
 * retry, promote), the live overview over SSE, and an unknown queue name refused by every procedure.
 * Every call uses the admin bearer token; authorisation is covered in the api-auth-* tests.
 */
import { describe, expect, it } from 'vitest';
import { QUEUE_NAMES, QueueName, type Overview } from '../../shared/queues.ts';
import { AUTH, ZERO, alert, sync, setupAdminApi } from '../helpers/admin-api.ts';
import { eventually, waitFor } from '../helpers/wait-for.ts';

const api = setupAdminApi();
const { svc, failJobs, completeJobs, addJobs, clockPastJobsOf, query, mutate, expectBadInput } = api;

// ---------------------------------------------------------------------------------------------
// tRPC: queues.*
// ---------------------------------------------------------------------------------------------

describe('tRPC queues', () => {
  it('overview: the six queues in order with stats, isPaused flags and totals', async () => {
    await addJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    await svc().pauseQueue(QueueName.EMAIL_SENDING);
    const o = await query<Overview>('queues.overview');
    expect(o.queues.map((q) => q.name)).toEqual([...QUEUE_NAMES]);
    expect(o.queues.filter((q) => q.isPaused).map((q) => q.name)).toEqual(['email-sending']);
    expect(o.queues.find((q) => q.name === 'alerts')!.stats).toEqual({ ...ZERO, waiting: 2 });
    expect(o.totals).toEqual({ ...ZERO, waiting: 2 });
    expect(Math.abs(o.at - Date.now())).toBeLessThan(5000);
  });

  it("get: one queue's stats and paused flag", async () => {
    await addJobs(QueueName.DATA_SYNC, [sync(1)], { delay: 60_000 });
    expect(await query('queues.get', { queue: 'data-sync' })).toEqual({ name: 'data-sync', stats: { ...ZERO, delayed: 1 }, isPaused: false });
  });

  it('pause / resume change the flag and where waiting jobs are counted', async () => {
    await addJobs(QueueName.ALERTS, [alert(1)]);
    expect(await mutate('queues.pause', { queue: 'alerts' })).toEqual({ paused: true });
    expect(await query('queues.get', { queue: 'alerts' })).toMatchObject({ isPaused: true, stats: { waiting: 0, paused: 1 } });
    expect(await mutate('queues.resume', { queue: 'alerts' })).toEqual({ paused: false });
    expect(await query('queues.get', { queue: 'alerts' })).toMatchObject({ isPaused: false, stats: { waiting: 1, paused: 0 } });
  });

  it('empty removes every non-active job', async () => {
    await addJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    await addJobs(QueueName.ALERTS, [alert(3)], { delay: 60_000 });
    await clockPastJobsOf(QueueName.ALERTS);
    expect(await mutate('queues.empty', { queue: 'alerts' })).toEqual({ removed: 3 });
    expect((await query('queues.get', { queue: 'alerts' })).stats).toEqual(ZERO);
  });

  it('empty on a paused queue removes its paused jobs too, and the queue stays paused', async () => {
    await svc().pauseQueue(QueueName.ALERTS);
    await addJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    await addJobs(QueueName.ALERTS, [alert(3)], { delay: 60_000 });
    await clockPastJobsOf(QueueName.ALERTS);
    expect(await mutate('queues.empty', { queue: 'alerts' })).toEqual({ removed: 3 });
    expect(await query('queues.get', { queue: 'alerts' })).toEqual({ name: 'alerts', stats: ZERO, isPaused: true });
  });

  it('clean: state and grace; defaults keep fresh completed jobs', async () => {
    await completeJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    await clockPastJobsOf(QueueName.ALERTS);
    expect(await mutate('queues.clean', { queue: 'alerts' })).toEqual({ removed: 0 });
    expect(await mutate('queues.clean', { queue: 'alerts', state: 'failed', graceMs: 0 })).toEqual({ removed: 0 });
    expect(await mutate('queues.clean', { queue: 'alerts', state: 'completed', graceMs: 0, limit: 1 })).toEqual({ removed: 1 });
    expect(await mutate('queues.clean', { queue: 'alerts', graceMs: 0 })).toEqual({ removed: 1 });
    await expectBadInput('mutation', 'queues.clean', { queue: 'alerts', state: 'everything' }, 'state');
    await expectBadInput('mutation', 'queues.clean', { queue: 'alerts', graceMs: -1 }, 'graceMs');
  });

  it('clean of "paused" jobs on a running queue removes nothing (its waiting jobs are not paused)', async () => {
    await addJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    await clockPastJobsOf(QueueName.ALERTS);
    expect(await mutate('queues.clean', { queue: 'alerts', state: 'paused', graceMs: 0 })).toEqual({ removed: 0 });
    expect((await query('queues.get', { queue: 'alerts' })).stats).toEqual({ ...ZERO, waiting: 2 });
    // …and on a paused queue, "paused" is what goes.
    await svc().pauseQueue(QueueName.ALERTS);
    expect(await mutate('queues.clean', { queue: 'alerts', state: 'paused', graceMs: 0 })).toEqual({ removed: 2 });
  });

  it('clean of "waiting" jobs on a paused queue removes nothing (they are counted as paused)', async () => {
    await svc().pauseQueue(QueueName.ALERTS);
    await addJobs(QueueName.ALERTS, [alert(1)]);
    await clockPastJobsOf(QueueName.ALERTS);
    expect(await mutate('queues.clean', { queue: 'alerts', state: 'waiting', graceMs: 0 })).toEqual({ removed: 0 });
    expect((await query('queues.get', { queue: 'alerts' })).stats).toEqual({ ...ZERO, paused: 1 });
  });

  it('retryAll moves every failed job back to waiting', async () => {
    await failJobs(QueueName.ALERTS, [alert(1), alert(2), alert(3)]);
    expect(await mutate('queues.retryAll', { queue: 'alerts' })).toEqual({ retried: 3 });
    expect((await query('queues.get', { queue: 'alerts' })).stats).toEqual({ ...ZERO, waiting: 3 });
  });

  it('promoteAll moves every delayed job to waiting', async () => {
    await addJobs(QueueName.ALERTS, [alert(1), alert(2)], { delay: 3_600_000 });
    expect(await mutate('queues.promoteAll', { queue: 'alerts' })).toEqual({ promoted: 2 });
    expect((await query('queues.get', { queue: 'alerts' })).stats).toEqual({ ...ZERO, waiting: 2 });
  });
});

// ---------------------------------------------------------------------------------------------
// Unknown queues everywhere
// ---------------------------------------------------------------------------------------------

describe('an unknown queue name in any tRPC input', () => {
  const cases: Array<['query' | 'mutation', string, Record<string, unknown>]> = [
    ['query', 'queues.get', {}],
    ['query', 'jobs.list', { state: 'waiting' }],
    ['query', 'jobs.get', { id: 'x' }],
    ['query', 'jobs.search', { text: 'x' }],
    ['query', 'metrics.throughput', { range: '1h' }],
    ['query', 'metrics.depth', { range: '1h' }],
    ['query', 'schedules.list', {}],
    ['mutation', 'queues.pause', {}],
    ['mutation', 'queues.resume', {}],
    ['mutation', 'queues.empty', {}],
    ['mutation', 'queues.clean', {}],
    ['mutation', 'queues.retryAll', {}],
    ['mutation', 'queues.promoteAll', {}],
    ['mutation', 'jobs.add', { data: alert(1) }],
    ['mutation', 'jobs.retry', { ids: ['x'] }],
    ['mutation', 'jobs.remove', { ids: ['x'] }],
    ['mutation', 'jobs.promote', { ids: ['x'] }],
    ['mutation', 'schedules.upsert', { name: 'n', cron: '0 * * * *', data: alert(1) }],
    ['mutation', 'schedules.remove', { name: 'n' }],
    ['mutation', 'schedules.runNow', { name: 'n' }],
  ];

  it.each(cases)('%s %s → 400 BAD_REQUEST naming "queue"', async (kind, path, rest) => {
    for (const queue of ['nope', 'Alerts', '__proto__', 'data-sync ']) await expectBadInput(kind, path, { ...rest, queue }, 'queue');
  });
});

// ---------------------------------------------------------------------------------------------
// Live overview over SSE
// ---------------------------------------------------------------------------------------------

interface SseClient {
  status: Promise<number>;
  overviews: Overview[];
  events: Array<{ event?: string; data: string }>;
  close(): void;
  closed: Promise<void>;
}

/** Reads tRPC's SSE stream with fetch: `data:` lines of unnamed events are the yielded values. */
function subscribeLive(): SseClient {
  const ac = new AbortController();
  const overviews: Overview[] = [];
  const events: Array<{ event?: string; data: string }> = [];
  let resolveStatus!: (n: number) => void;
  const status = new Promise<number>((r) => (resolveStatus = r));
  const closed = (async () => {
    try {
      const res = await fetch(`${api.app.base}/trpc/queues.live`, { headers: { ...AUTH, accept: 'text/event-stream' }, signal: ac.signal });
      resolveStatus(res.status);
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let event: string | undefined;
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
          }
          if (!data.length) continue;
          events.push({ event, data: data.join('\n') });
          if (!event) overviews.push(JSON.parse(data.join('\n')) as Overview);
        }
      }
    } catch {
      // aborted
    } finally {
      resolveStatus(0);
    }
  })();
  return { status, overviews, events, close: () => ac.abort(), closed };
}

describe('tRPC queues.live (SSE)', () => {
  it('delivers the overview at once, shares one poll between subscribers, follows changes, and stops when all leave', async () => {
    const hub = api.app.services.statsHub;
    expect(hub.running).toBe(false);
    expect(hub.subscriberCount).toBe(0);

    const a = subscribeLive();
    const t0 = Date.now();
    expect(await a.status).toBe(200);
    await waitFor(() => a.overviews.length > 0, { timeoutMs: 3000 });
    expect(Date.now() - t0).toBeLessThan(3000);
    const first = a.overviews[0];
    expect(first.queues.map((q) => q.name)).toEqual([...QUEUE_NAMES]);
    expect(first.totals).toEqual(ZERO);
    expect(hub.subscriberCount).toBe(1);
    expect(hub.running).toBe(true);

    const b = subscribeLive();
    expect(await b.status).toBe(200);
    await waitFor(() => b.overviews.length > 0, { timeoutMs: 3000 });
    expect(hub.subscriberCount).toBe(2);

    // One poll feeds both: while each gets two more readings (1.5 s apart) the hub polls about twice,
    // not twice each, and B's readings are A's (the same poll's timestamp).
    const polls0 = hub.polls;
    const aSeen0 = a.overviews.length;
    const bSeen0 = b.overviews.length;
    await waitFor(() => a.overviews.length - aSeen0 >= 2 && b.overviews.length - bSeen0 >= 2, { timeoutMs: 6000, message: 'two more readings for both' });
    const polls = hub.polls - polls0;
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(polls).toBeLessThanOrEqual(a.overviews.length - aSeen0 + 1);
    const bReadings = b.overviews.slice(bSeen0, bSeen0 + 2).map((o) => o.at);
    await eventually(() => expect(a.overviews.map((o) => o.at)).toEqual(expect.arrayContaining(bReadings)), { timeoutMs: 3000 });

    // Counts follow the queues.
    await addJobs(QueueName.ALERTS, [alert(1), alert(2)]);
    const alertsWaiting = (o: Overview) => o.queues.find((q) => q.name === 'alerts')!.stats.waiting;
    await waitFor(() => a.overviews.some((o) => alertsWaiting(o) === 2) && b.overviews.some((o) => alertsWaiting(o) === 2), { timeoutMs: 4000 });
    expect(a.overviews[a.overviews.length - 1].totals.waiting).toBe(2);

    a.close();
    b.close();
    await Promise.all([a.closed, b.closed]);
    // Its timer is cleared: it polls no more (the StatsHub unit tests count that on fake timers).
    await waitFor(() => hub.subscriberCount === 0 && !hub.running, { timeoutMs: 4000 });
  });

  it('one subscriber leaving keeps the poll for the other', async () => {
    const hub = api.app.services.statsHub;
    const a = subscribeLive();
    const b = subscribeLive();
    await waitFor(() => a.overviews.length > 0 && b.overviews.length > 0, { timeoutMs: 3000 });
    expect(hub.subscriberCount).toBe(2);
    a.close();
    await waitFor(() => hub.subscriberCount === 1, { timeoutMs: 4000 });
    expect(hub.running).toBe(true);
    const n = b.overviews.length;
    await waitFor(() => b.overviews.length > n, { timeoutMs: 4000 });
    b.close();
    await waitFor(() => hub.subscriberCount === 0 && !hub.running, { timeoutMs: 4000 });
  });
});
