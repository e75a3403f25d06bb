/**
 * Search at depth and the oldest waiting job, over real HTTP and real Redis: jobs.search resumed call after
 * call from each answer's `next` (the console's "Search deeper"), the state each match was found in, and
 * queues.oldestWaits.
 */
import { describe, expect, it } from 'vitest';
import { QUEUE_NAMES, QueueName } from '../../shared/queues.ts';
import { alert, setupAdminApi, type Json } from '../helpers/admin-api.ts';

const { svc, bull, failJobs, query, expectBadInput, rawWorker, stopWorker } = setupAdminApi();

/** Adds alerts jobs in one batch; their ids, oldest first. */
async function seed(items: Array<{ data: unknown; opts?: Record<string, unknown> }>): Promise<string[]> {
  return (await svc().addJobs(QueueName.ALERTS, items as never)).map((j) => String(j.id));
}
const plain = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ data: alert(from + i) }));

describe('tRPC jobs.search, resumed from `next`', () => {
  it('finds a job planted 1,000 deep only by reading on, and says where it stands: read N of M', async () => {
    await seed(plain(0, 500));
    await seed([{ data: alert(1, { organizationId: 'org-planted-deep' }) }]);
    await seed(plain(1000, 1000));

    const first = await query('jobs.search', { queue: 'alerts', text: 'org-planted-deep', maxScan: 600 });
    expect(first).toMatchObject({ jobs: [], scanned: 600, truncated: true, from: 0, next: 600, total: 1501 });

    const second = await query('jobs.search', { queue: 'alerts', text: 'org-planted-deep', maxScan: 600, from: first.next });
    expect(second).toMatchObject({ scanned: 600, from: 600, next: 1200, total: 1501 });
    expect(second.jobs).toHaveLength(1);
    expect(second.jobs[0]).toMatchObject({ state: 'waiting', data: { organizationId: 'org-planted-deep' } });

    const last = await query('jobs.search', { queue: 'alerts', text: 'org-planted-deep', maxScan: 600, from: second.next });
    expect(last).toMatchObject({ jobs: [], scanned: 301, truncated: false, next: null, total: 1501 });
  });

  it('stopping at the limit resumes right after the last job read: every job once, newest first', async () => {
    const ids = await seed(plain(0, 450));
    const seen: string[] = [];
    let from: number | null = 0;
    let calls = 0;
    while (from !== null) {
      const r: Json = await query('jobs.search', { queue: 'alerts', text: 'alert-', limit: 200, maxScan: 100_000, from });
      seen.push(...r.jobs.map((j: Json) => j.id));
      expect(r.total).toBe(450);
      from = r.next;
      calls++;
    }
    expect(calls).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });

  it('across states: each list in turn, each match with the state it was found in', async () => {
    const failed = await failJobs(QueueName.ALERTS, [alert(1, { message: 'needle failed' }), alert(2, { message: 'needle failed' })]);
    const [delayed] = await seed([{ data: alert(3, { message: 'needle delayed' }), opts: { delay: 3_600_000 } }]);
    const waiting = await seed([{ data: alert(4, { message: 'needle waiting' }) }, { data: alert(5, { message: 'needle waiting' }) }]);
    // Lists in order: active (0), wait (2), prioritized (0), delayed (1), failed (2), completed (0).
    const a = await query('jobs.search', { queue: 'alerts', text: 'needle', maxScan: 3 });
    expect(a).toMatchObject({ scanned: 3, truncated: true, next: 3, total: 5 });
    expect(a.jobs.map((j: Json) => [j.id, j.state])).toEqual([
      [waiting[1], 'waiting'],
      [waiting[0], 'waiting'],
      [delayed, 'delayed'],
    ]);
    const b = await query('jobs.search', { queue: 'alerts', text: 'needle', maxScan: 3, from: a.next });
    expect(b).toMatchObject({ scanned: 2, truncated: false, next: null, total: 5 });
    expect(b.jobs.map((j: Json) => [j.id, j.state])).toEqual([
      [failed[1], 'failed'],
      [failed[0], 'failed'],
    ]);
  });

  it('a paused queue’s waiting jobs are found as paused; one state narrows the lists and their total', async () => {
    await failJobs(QueueName.ALERTS, [alert(9)]);
    await seed(plain(0, 3));
    await bull(QueueName.ALERTS).pause();
    const all = await query('jobs.search', { queue: 'alerts', text: 'alert-' });
    expect(all.jobs.map((j: Json) => j.state).sort()).toEqual(['failed', 'paused', 'paused', 'paused']);
    expect((await query('jobs.search', { queue: 'alerts', text: 'alert-', state: 'paused' })).total).toBe(3);
    expect((await query('jobs.search', { queue: 'alerts', text: 'alert-', state: 'failed' })).total).toBe(1);
  });

  it('an exact id is looked up in the first call only; a start past the end reads nothing', async () => {
    await seed([{ data: alert(0), opts: { jobId: 'exact-id-xyz' } }]);
    await seed(plain(1, 10));
    // Position 10 of 11 (the oldest): the first call finds it by id without reading that far.
    const first = await query('jobs.search', { queue: 'alerts', text: 'exact-id-xyz', maxScan: 1 });
    expect(first).toMatchObject({ scanned: 1, next: 1, total: 11 });
    expect(first.jobs.map((j: Json) => [j.id, j.state])).toEqual([['exact-id-xyz', 'waiting']]);
    // A later call finds it only where it reads it.
    expect(await query('jobs.search', { queue: 'alerts', text: 'exact-id-xyz', maxScan: 3, from: 1 })).toMatchObject({ jobs: [], scanned: 3, next: 4 });
    const there = await query('jobs.search', { queue: 'alerts', text: 'exact-id-xyz', maxScan: 5, from: 8 });
    expect(there).toMatchObject({ scanned: 3, next: null });
    expect(there.jobs.map((j: Json) => j.id)).toEqual(['exact-id-xyz']);
    expect(await query('jobs.search', { queue: 'alerts', text: 'alert-', from: 11 })).toMatchObject({ jobs: [], scanned: 0, next: null, total: 11 });
  });

  it('400 for a negative start', async () => {
    await expectBadInput('query', 'jobs.search', { queue: 'alerts', text: 'x', from: -1 }, 'from');
  });
});

describe('tRPC queues.oldestWaits', () => {
  it('per queue, how long its oldest waiting job has waited by the server’s clock; null where none waits', async () => {
    const empty = await query('queues.oldestWaits');
    expect(Object.keys(empty.ageMs).sort()).toEqual([...QUEUE_NAMES].sort());
    expect(Object.values(empty.ageMs).every((v) => v === null)).toBe(true);

    const first = await svc().addJob(QueueName.ALERTS, alert(1));
    await svc().addJob(QueueName.ALERTS, alert(2));
    // A delayed job is not waiting yet.
    await svc().addJob(QueueName.INSIGHTS_GENERATION, { organizationId: 'org-1', period: '7d' }, { delay: 3_600_000 });
    const r = await query('queues.oldestWaits');
    expect(r.ageMs.alerts).toBe(Math.max(0, r.at - first.timestamp));
    expect(r.ageMs['insights-generation']).toBeNull();
    expect(r.ageMs['data-sync']).toBeNull();
    // BullMQ's worker list rides along (the console's fallback where no heartbeat names a queue): none here,
    // then one plain BullMQ Worker, which sends no heartbeat.
    expect(r.bullWorkers.alerts).toBe(0);
    const w = rawWorker(QueueName.REPORT_GENERATION, async () => undefined);
    await w.waitUntilReady();
    const withWorker = await query('queues.oldestWaits');
    expect(withWorker.bullWorkers['report-generation']).toBe(1);
    expect(withWorker.bullWorkers.alerts).toBe(0);
    await stopWorker(w);
  });
});
