/**
 * The queue-health monitor against real queues: real BullMQ queues and workers (with metrics, as
 * createWorkerRuntime runs them) on real Redis, alerts stored in a fresh SQLite or PostgreSQL store.
 */
import { afterEach, expect } from 'vitest';
import type { ReportJobData, WebhookJobData } from '../../shared/jobs.ts';
import { QueueName } from '../../shared/queues.ts';
import { SYSTEM_ORG, createHealthMonitor } from '../../server/monitoring/health-monitor.ts';
import { readRate } from '../../server/monitoring/throughput.ts';
import { PermanentJobError } from '../../server/jobs/contract.ts';
import { describeOnStores } from '../helpers/describe-on-stores.ts';
import { openProcessorHarness, type ProcessorHarness } from '../fixtures/processor-harness.ts';

const REPORTS = QueueName.REPORT_GENERATION;
const WEBHOOKS = QueueName.WEBHOOK_PROCESSING;
const THRESHOLDS = { maxWaiting: 5, maxFailureRate: 0.5, minFinishedForRate: 4 };

const reportJob = (i: number): { data: ReportJobData } => ({ data: { reportId: `r-${i}`, organizationId: 'org-1', reportType: 'weekly', period: 'w' } });
const hook = (eventType: 'ok' | 'fail'): { data: WebhookJobData } => ({ data: { platform: 'shopify', eventType, payload: {}, signature: '' } });

describeOnStores('queue-health monitor', (dialect, test) => {
  let h: ProcessorHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const monitorOf = (harness: ProcessorHarness) =>
    createHealthMonitor({
      readOverview: () => harness.queueService.getOverview(),
      readRecent: (q) => readRate(harness.queueService, q, 5),
      workerCount: (q) => harness.queueService.getWorkerCount(q),
      alerts: harness.store.alerts,
      claimSlot: async () => true,
      thresholds: THRESHOLDS,
    });
  const systemAlerts = async () =>
    (await h!.store.alerts.list({ organizationId: SYSTEM_ORG })).alerts.sort(
      (a, b) => a.alertType.localeCompare(b.alertType) || a.firstAt.localeCompare(b.firstAt),
    );

  test('a backlog with no worker raises QUEUE_BACKLOG and QUEUE_NO_WORKER under SYSTEM_ORG; a second check folds; once emptied they resolve', async () => {
    h = await openProcessorHarness(dialect);
    const monitor = monitorOf(h);
    expect(await monitor.check()).toEqual({ raised: [], resolved: [] });

    // At the threshold (5 waiting): no backlog yet, but work and nobody to do it.
    await h.queueService.addJobs(REPORTS, [1, 2, 3, 4, 5].map(reportJob));
    expect(await monitor.check()).toEqual({ raised: [`no-worker:${REPORTS}`], resolved: [] });
    // Over it (6): the backlog too.
    await h.queueService.addJobs(REPORTS, [reportJob(6)]);
    expect(await monitor.check()).toEqual({ raised: [`backlog:${REPORTS}`], resolved: [] });

    const raised = await systemAlerts();
    expect(raised).toHaveLength(2);
    expect(raised[0]).toMatchObject({
      organizationId: SYSTEM_ORG,
      alertType: 'QUEUE_BACKLOG',
      severity: 'HIGH',
      status: 'open',
      occurrences: 1,
      metadata: { queue: REPORTS, waiting: 6, threshold: 5 },
    });
    expect(raised[0].message).toContain(`${REPORTS} has 6 waiting jobs`);
    expect(raised[1]).toMatchObject({
      organizationId: SYSTEM_ORG,
      alertType: 'QUEUE_NO_WORKER',
      severity: 'HIGH',
      status: 'open',
      occurrences: 2,
      metadata: { queue: REPORTS, waiting: 6 },
    });

    // Still true at the next check: folded into the open alerts, no new rows.
    expect(await monitor.check()).toEqual({ raised: [], resolved: [] });
    const again = await systemAlerts();
    expect(again.map((a) => [a.id, a.occurrences])).toEqual([
      [raised[0].id, 2],
      [raised[1].id, 3],
    ]);

    // The jobs are gone: both conditions clear and their alerts are resolved.
    expect(await h.queueService.emptyQueue(REPORTS)).toBe(6);
    const cleared = await monitor.check();
    expect(cleared.raised).toEqual([]);
    expect(cleared.resolved.sort()).toEqual([`backlog:${REPORTS}`, `no-worker:${REPORTS}`]);
    for (const a of await systemAlerts()) {
      expect(a.status).toBe('resolved');
      expect(a.resolvedAt).toEqual(expect.any(String));
    }
    expect(await monitor.check()).toEqual({ raised: [], resolved: [] });

    // The backlog returns: a new alert, the resolved one stays resolved.
    await h.queueService.addJobs(REPORTS, [1, 2, 3, 4, 5, 6, 7].map(reportJob));
    expect((await monitor.check()).raised.sort()).toEqual([`backlog:${REPORTS}`, `no-worker:${REPORTS}`]);
    const history = await systemAlerts();
    expect(history.map((a) => [a.alertType, a.status])).toEqual([
      ['QUEUE_BACKLOG', 'resolved'],
      ['QUEUE_BACKLOG', 'open'],
      ['QUEUE_NO_WORKER', 'resolved'],
      ['QUEUE_NO_WORKER', 'open'],
    ]);
    expect(history[1].metadata).toMatchObject({ waiting: 7 });
  });

  test('a paused queue with waiting jobs raises no QUEUE_NO_WORKER (its backlog still counts); resumed, it does', async () => {
    h = await openProcessorHarness(dialect);
    const monitor = monitorOf(h);
    await h.queueService.pauseQueue(REPORTS);
    await h.queueService.addJobs(REPORTS, [1, 2, 3, 4, 5, 6].map(reportJob));
    expect(await monitor.check()).toEqual({ raised: [`backlog:${REPORTS}`], resolved: [] });
    expect((await systemAlerts()).filter((a) => a.alertType === 'QUEUE_NO_WORKER')).toEqual([]);
    expect((await systemAlerts())[0]).toMatchObject({ alertType: 'QUEUE_BACKLOG', metadata: { queue: REPORTS, waiting: 6, paused: true } });

    await h.queueService.resumeQueue(REPORTS);
    expect((await monitor.check()).raised).toContain(`no-worker:${REPORTS}`);
    // Paused again: the condition clears.
    await h.queueService.pauseQueue(REPORTS);
    expect((await monitor.check()).resolved).toContain(`no-worker:${REPORTS}`);
  });

  test('a high failure rate among recent jobs (BullMQ metrics of a real worker) raises QUEUE_FAILURE_RATE', async () => {
    h = await openProcessorHarness(dialect);
    const monitor = monitorOf(h);
    await h.startWorkers([WEBHOOKS], {
      [WEBHOOKS]: async (data) => {
        if (data.eventType === 'fail') throw new PermanentJobError('cannot map this event');
        return { ok: true };
      },
    });
    const run = async (events: Array<'ok' | 'fail'>) => {
      const jobs = await h!.queueService.addJobs(WEBHOOKS, events.map(hook));
      for (const j of jobs) await h!.settle(WEBHOOKS, j.id!);
    };

    // 1 failed of 4: under the rate.
    await run(['ok', 'fail', 'ok', 'ok']);
    expect(await monitor.check()).toEqual({ raised: [], resolved: [] });
    // 4 failed of 7 (57.1 %): over 50 %.
    await run(['fail', 'fail', 'fail']);
    expect(await monitor.check()).toEqual({ raised: [`failure-rate:${WEBHOOKS}`], resolved: [] });
    const [alert] = await systemAlerts();
    expect(alert).toMatchObject({
      organizationId: SYSTEM_ORG,
      alertType: 'QUEUE_FAILURE_RATE',
      severity: 'CRITICAL',
      metadata: { queue: WEBHOOKS, failed: 4, finished: 7, rate: 57.1, threshold: 0.5 },
    });
    expect(alert.message).toBe(`${WEBHOOKS}: 57.1% of recent jobs failed (4 of 7; threshold 50%)`);
    // A worker is connected and nothing waits: no other condition.
    expect(await systemAlerts()).toHaveLength(1);
  });
});
