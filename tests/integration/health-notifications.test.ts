/**
 * Queue-health notifications end to end: the monitor over real BullMQ queues on real Redis and a real
 * SQLite store, its notifications queued on the alerts queue and delivered by the production alerts
 * processor in a real worker to real HTTP receivers (node:http on free ports) that record what they
 * get, check the webhook's signature with the secret, and can answer 500 before 200.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EmailJobData, ReportJobData } from '../../shared/jobs.ts';
import type { NotificationChannelStatus } from '../../shared/notifications.ts';
import { QUEUE_NAMES, QueueName } from '../../shared/queues.ts';
import { SYSTEM_ORG, createHealthMonitor } from '../../server/monitoring/health-monitor.ts';
import { configuredChannels } from '../../server/monitoring/notifications/channels.ts';
import { DeliveryLog } from '../../server/monitoring/notifications/delivery-log.ts';
import { createNotifier } from '../../server/monitoring/notifications/notifier.ts';
import { readRedisMemory } from '../../server/monitoring/redis-memory.ts';
import { STALLED_TTL_SEC, readStalledWindow, recentStalled, recordStalled } from '../../server/monitoring/stalled-counter.ts';
import { readRate } from '../../server/monitoring/throughput.ts';
import { createProcessors } from '../../server/queue/processors/index.ts';
import { createWorkerRuntime, type WorkerRuntime } from '../../server/queue/worker.ts';
import { API_TOKEN, VIEWER_API_TOKEN, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import { auditList, bearer, send, trpcMutation, trpcQuery, withHeaders } from '../helpers/api-requests.ts';
import { silentLogger } from '../helpers/silent-logger.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { openProcessorHarness, type ProcessorHarness } from '../fixtures/processor-harness.ts';
import { startReceiver, type Receiver } from '../fixtures/http-receiver.ts';

const ALERTS = QueueName.ALERTS;
const EMAIL = QueueName.EMAIL_SENDING;
const REPORTS = QueueName.REPORT_GENERATION;
const SECRET = 'alert-webhook-secret-for-tests';
const OPS = ['ann@example.com', 'bob@example.com'];
const PUBLIC_URL = 'https://console.bizinsights.test';
/** Retries in milliseconds for tests (production: 10 attempts from 5 s). */
const FAST_RETRY = { attempts: 5, backoffMs: 50 };
const CHANNELS = ['slack', 'webhook', 'email'] as const;

const reportJob = (i: number): { data: ReportJobData } => ({ data: { reportId: `r-${i}`, organizationId: 'org-1', reportType: 'weekly', period: 'w' } });
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

let slack: Receiver;
let hook: Receiver;
beforeEach(async () => {
  slack = await startReceiver();
  hook = await startReceiver({ secret: SECRET });
});
afterEach(async () => {
  await slack.close();
  await hook.close();
});

const channelEnv = () => ({
  SLACK_WEBHOOK_URL: slack.url,
  ALERT_WEBHOOK_URL: hook.url,
  ALERT_WEBHOOK_SECRET: SECRET,
  OPS_EMAILS: OPS.join(','),
  PUBLIC_URL,
});

describe('queue-health notifications', () => {
  let h: ProcessorHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function open(env: Record<string, string> = {}) {
    h = await openProcessorHarness('sqlite', { env: { ...channelEnv(), HEALTH_MAX_WAITING: '100', ...env } });
    return h;
  }

  /** The monitor as compose wires it, over the harness (Redis memory left out: the shared Redis's is not ours to set). */
  const monitorOf = (harness: ProcessorHarness, over: { readOverview?: () => ReturnType<ProcessorHarness['queueService']['getOverview']> } = {}) => {
    const notifier = createNotifier({
      addJob: (d, o) => harness.queueService.addJob(ALERTS, d, o),
      channels: configuredChannels(harness.config),
      retry: FAST_RETRY,
    });
    return createHealthMonitor({
      readOverview: over.readOverview ?? (() => harness.queueService.getOverview()),
      readRecent: (q) => readRate(harness.queueService, q, 5),
      workerCount: (q) => harness.queueService.getWorkerCount(q),
      readOldestWaiting: (q) => harness.queueService.getOldestWaitingAt(q),
      readStalled: () => readStalledWindow(harness.connection, harness.prefix, QUEUE_NAMES),
      notify: (n) => notifier.notify(n),
      alerts: harness.store.alerts,
      claimSlot: async () => true,
      thresholds: { maxWaiting: harness.config.HEALTH_MAX_WAITING, maxWaitSeconds: harness.config.HEALTH_MAX_WAIT_SECONDS },
    });
  };

  /**
   * Workers for the alerts and email queues (the production processors: emails go to the store's
   * outbox) and, when asked, a report queue that just completes.
   */
  const startWorkers = (harness: ProcessorHarness, withReports = false) => {
    const real = createProcessors({
      store: harness.store,
      queueService: harness.queueService,
      connection: harness.connection,
      config: harness.config,
      log: silentLogger,
    });
    return harness.startWorkers(withReports ? [ALERTS, EMAIL, REPORTS] : [ALERTS, EMAIL], {
      alerts: real.alerts,
      [EMAIL]: real[EMAIL],
      [REPORTS]: async () => ({ done: true }),
    });
  };

  /** The three delivery jobs of one notification, settled. */
  const settleNotification = async (harness: ProcessorHarness, notificationId: string) =>
    Promise.all(CHANNELS.map((c) => harness.settle(ALERTS, `notify-${c}-${notificationId}`)));

  const emails = async (harness: ProcessorHarness) =>
    (await harness.jobs(EMAIL)).map((j) => j.data as EmailJobData).sort((a, b) => `${a.subject}${a.to}`.localeCompare(`${b.subject}${b.to}`));

  it('a paused queue with 101 waiting jobs: one Slack and one signed webhook notification, one email per address; a second check sends nothing; drained, one "resolved" each', async () => {
    const harness = await open();
    await startWorkers(harness, true);
    const monitor = monitorOf(harness);
    await harness.queueService.pauseQueue(REPORTS);
    await harness.queueService.addJobs(REPORTS, range(101).map(reportJob));

    expect(await monitor.check()).toEqual({ raised: [`backlog:${REPORTS}`], resolved: [] });
    const [alert] = (await harness.store.alerts.list({ organizationId: SYSTEM_ORG })).alerts;
    const raised = await settleNotification(harness, `${alert.id}-raised`);
    for (const job of raised) expect(job.state, job.failedReason).toBe('completed');

    expect(slack.requests).toHaveLength(1);
    const [s] = slack.requests;
    expect(s.headers['content-type']).toBe('application/json');
    expect(s.json.text).toBe(`[HIGH] QUEUE_BACKLOG: ${REPORTS} has 101 waiting jobs (threshold 100); the queue is paused: resume it`);
    expect(s.json.blocks.map((b: { type: string }) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(s.json.blocks[3].elements[0].text).toContain(`<${PUBLIC_URL}/alerts|Open the Alerts page>`);

    expect(hook.requests).toHaveLength(1);
    const [w] = hook.requests;
    expect(w.signatureOk).toBe(true);
    expect(w.headers['x-notification-id']).toBe(`${alert.id}-raised`);
    expect(w.json).toMatchObject({
      id: `${alert.id}-raised`,
      type: 'alert.raised',
      alert: { id: alert.id, key: `backlog:${REPORTS}`, type: 'QUEUE_BACKLOG', severity: 'HIGH', queue: REPORTS, metadata: { waiting: 101, paused: true } },
    });
    expect(Number(w.headers['x-notification-timestamp'])).toBe(Math.floor(Date.parse(w.json.timestamp) / 1000));

    // Email: one alert-notification email per address, queued on the email queue and sent (to the outbox here).
    const firstEmails = await emails(harness);
    expect(firstEmails.map((e) => [e.to, e.template, e.data.alertType])).toEqual([
      ['ann@example.com', 'alert-notification', 'QUEUE_BACKLOG'],
      ['bob@example.com', 'alert-notification', 'QUEUE_BACKLOG'],
    ]);
    const sent = await waitFor(async () => {
      const { emails: out } = await harness.store.outbox.list({ status: 'sent' });
      return out.length === 2 ? out : undefined;
    });
    expect(sent.map((e) => [e.recipient, e.template, e.subject]).sort()).toEqual(
      OPS.map((to) => [to, 'alert-notification', `[HIGH] QUEUE_BACKLOG: ${REPORTS} has 101 waiting jobs (threshold 100); the queue is paused: resume it`]),
    );

    // Still true at the next check: folded, nothing queued, nothing sent.
    const alertJobs = (await harness.jobs(ALERTS)).length;
    expect(await monitor.check()).toEqual({ raised: [], resolved: [] });
    expect((await harness.jobs(ALERTS)).length).toBe(alertJobs);
    expect(await emails(harness)).toHaveLength(2);
    expect([slack.requests.length, hook.requests.length]).toEqual([1, 1]);

    // Resumed, the worker drains it: the condition clears and each channel hears "resolved" once.
    await harness.queueService.resumeQueue(REPORTS);
    await waitFor(async () => {
      const st = await harness.queueService.getQueueStats(REPORTS);
      return st.waiting + st.active === 0;
    });
    expect(await monitor.check()).toEqual({ raised: [], resolved: [`backlog:${REPORTS}`] });
    for (const job of await settleNotification(harness, `${alert.id}-resolved`)) expect(job.state, job.failedReason).toBe('completed');
    expect(slack.requests).toHaveLength(2);
    expect(slack.requests[1].json.text).toMatch(/^\[RESOLVED\] QUEUE_BACKLOG: /);
    expect(hook.requests).toHaveLength(2);
    expect(hook.requests[1]).toMatchObject({ signatureOk: true, json: { id: `${alert.id}-resolved`, type: 'alert.resolved' } });
    expect((await emails(harness)).map((e) => [e.to, e.data.alertType])).toEqual([
      ['ann@example.com', 'QUEUE_BACKLOG'],
      ['bob@example.com', 'QUEUE_BACKLOG'],
      ['ann@example.com', 'QUEUE_BACKLOG (resolved)'],
      ['bob@example.com', 'QUEUE_BACKLOG (resolved)'],
    ]);

    expect(await monitor.check()).toEqual({ raised: [], resolved: [] });
    expect([slack.requests.length, hook.requests.length, (await emails(harness)).length]).toEqual([2, 2, 4]);
    // Each channel's last delivery, for the Alerts page.
    const last = await new DeliveryLog(harness.connection, harness.prefix).read();
    for (const c of CHANNELS) expect(last[c]).toMatchObject({ ok: true, final: true, event: 'resolved', alertType: 'QUEUE_BACKLOG', attempt: 1 });
  });

  it('a receiver that answers 500 is retried with backoff and delivered once it is up, never twice', async () => {
    const harness = await open();
    await startWorkers(harness);
    const monitor = monitorOf(harness);
    hook.answer(500, 500);
    await harness.queueService.pauseQueue(REPORTS);
    await harness.queueService.addJobs(REPORTS, range(101).map(reportJob));
    expect((await monitor.check()).raised).toEqual([`backlog:${REPORTS}`]);
    const [alert] = (await harness.store.alerts.list({ organizationId: SYSTEM_ORG })).alerts;
    const id = `${alert.id}-raised`;

    const webhookJob = await harness.settle(ALERTS, `notify-webhook-${id}`);
    expect(webhookJob.state, webhookJob.failedReason).toBe('completed');
    expect(webhookJob.attemptsMade).toBe(3);
    expect(webhookJob.opts).toMatchObject({ attempts: FAST_RETRY.attempts, backoff: { type: 'exponential', delay: FAST_RETRY.backoffMs } });
    expect(hook.requests.map((r) => r.status)).toEqual([500, 500, 200]);
    // The same bytes every time (the receiver dedupes on the id), each correctly signed.
    expect(new Set(hook.requests.map((r) => r.body)).size).toBe(1);
    expect(hook.requests.map((r) => [r.signatureOk, r.headers['x-notification-id'], r.headers['x-delivery-attempt']])).toEqual([
      [true, id, '1'],
      [true, id, '2'],
      [true, id, '3'],
    ]);
    expect((await new DeliveryLog(harness.connection, harness.prefix).read()).webhook).toMatchObject({ ok: true, attempt: 3 });
    // Slack was up all along: once.
    expect((await harness.settle(ALERTS, `notify-slack-${id}`)).state).toBe('completed');
    expect(slack.requests).toHaveLength(1);

    // Queued again (a second monitor, a repeated check): the existing job stands, nothing is sent again.
    const again = createNotifier({
      addJob: (d, o) => harness.queueService.addJob(ALERTS, d, o),
      channels: configuredChannels(harness.config),
      retry: FAST_RETRY,
    });
    const jobsBefore = (await harness.jobs(ALERTS)).length;
    await again.notify({
      event: 'raised',
      alertId: alert.id,
      key: `backlog:${REPORTS}`,
      alertType: 'QUEUE_BACKLOG',
      severity: 'HIGH',
      message: 'again',
      metadata: {},
      at: Date.now(),
    });
    expect((await harness.jobs(ALERTS)).length).toBe(jobsBefore);
    expect(await monitor.check()).toEqual({ raised: [], resolved: [] });
    expect((await harness.settle(ALERTS, `notify-webhook-${id}`)).attemptsMade).toBe(3);
    expect(hook.requests.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it('a 4xx refusal fails the delivery at once (no retry) and is shown as failed; 408 and 429 are retried', async () => {
    const harness = await open();
    await startWorkers(harness);
    const notifier = createNotifier({
      addJob: (d, o) => harness.queueService.addJob(ALERTS, d, o),
      channels: configuredChannels(harness.config),
      retry: FAST_RETRY,
    });
    const log = new DeliveryLog(harness.connection, harness.prefix);

    hook.answer(404);
    slack.answer(429, 408);
    const { id } = await notifier.sendTest('admin');
    const refused = await harness.settle(ALERTS, `notify-webhook-${id}`);
    expect(refused.state).toBe('failed');
    expect(refused.attemptsMade).toBe(1);
    expect(refused.failedReason).toBe('Alert webhook answered 404: error 404');
    const slackJob = await harness.settle(ALERTS, `notify-slack-${id}`);
    expect(slackJob.state, slackJob.failedReason).toBe('completed');
    expect(slack.requests.map((r) => r.status)).toEqual([429, 408, 200]);

    const last = await log.read();
    expect(last.webhook).toMatchObject({ ok: false, final: true, attempt: 1, event: 'test', error: 'Alert webhook answered 404: error 404' });
    expect(last.slack).toMatchObject({ ok: true, final: true, attempt: 3, event: 'test', alertType: 'TEST_NOTIFICATION' });
  });

  it('an unreachable receiver is a network error, retried until the attempts run out, the last one shown as failed', async () => {
    const down = await startReceiver();
    await down.close(); // a port nobody listens on now
    const harness = await open({ ALERT_WEBHOOK_URL: down.url });
    await startWorkers(harness);
    const notifier = createNotifier({
      addJob: (d, o) => harness.queueService.addJob(ALERTS, d, o),
      channels: configuredChannels(harness.config),
      retry: { attempts: 2, backoffMs: 20 },
    });
    const { id } = await notifier.sendTest('admin');
    const job = await harness.settle(ALERTS, `notify-webhook-${id}`);
    expect(job.state).toBe('failed');
    expect(job.attemptsMade).toBe(2);
    expect(job.failedReason).toBe('Alert webhook unreachable: ECONNREFUSED');
    expect((await new DeliveryLog(harness.connection, harness.prefix).read()).webhook).toMatchObject({ ok: false, final: true, attempt: 2 });
  });

  it('oldest waiting job: read from BullMQ (plain, prioritized, promoted after a delay, paused) and raised past HEALTH_MAX_WAIT_SECONDS', async () => {
    const harness = await open({ HEALTH_MAX_WAIT_SECONDS: '600' });
    const qs = harness.queueService;
    expect(await qs.getOldestWaitingAt(REPORTS)).toBeNull();
    const [first] = await qs.addJobs(REPORTS, [reportJob(1)]);
    await qs.addJobs(REPORTS, [reportJob(2), reportJob(3)]);
    expect(await qs.getOldestWaitingAt(REPORTS)).toBe(first.timestamp);
    await qs.pauseQueue(REPORTS);
    expect(await qs.getOldestWaitingAt(REPORTS)).toBe(first.timestamp);

    // Prioritized jobs live in a zset: its next job counts.
    const prio = await qs.addJob(QueueName.DATA_SYNC, { integrationId: 'i', organizationId: 'o', platform: 'shopify', syncType: 'full' }, { priority: 1 });
    expect(await qs.getOldestWaitingAt(QueueName.DATA_SYNC)).toBe(prio.timestamp);

    // A delayed job once promoted: ready at its creation plus its delay (the hash's delay is zeroed then).
    const delayed = await qs.addJob(QueueName.INSIGHTS_GENERATION, { organizationId: 'o', period: '7d' }, { delay: 30 });
    await waitFor(() => Date.now() > delayed.timestamp + 30);
    await qs.queue(QueueName.INSIGHTS_GENERATION).promoteJobs();
    expect(await qs.queue(QueueName.INSIGHTS_GENERATION).getJobState(delayed.id!)).toBe('waiting');
    expect(await qs.getOldestWaitingAt(QueueName.INSIGHTS_GENERATION)).toBe(delayed.timestamp + 30);

    // A reading an hour on: the three queues' oldest jobs have waited too long (the paused one says so).
    const monitor = monitorOf(harness, { readOverview: async () => ({ ...(await qs.getOverview()), at: Date.now() + 3_600_000 }) });
    const { raised } = await monitor.check();
    expect(raised.filter((k) => k.startsWith('oldest-wait:')).sort()).toEqual(
      [`oldest-wait:${QueueName.DATA_SYNC}`, `oldest-wait:${QueueName.INSIGHTS_GENERATION}`, `oldest-wait:${REPORTS}`].sort(),
    );
    const stored = (await harness.store.alerts.list({ organizationId: SYSTEM_ORG })).alerts.find(
      (a) => a.metadata.queue === REPORTS && a.alertType === 'QUEUE_OLDEST_WAIT',
    );
    expect(stored?.message).toContain('; the queue is paused: resume it');
  });

  it('stalled jobs: counted per queue and minute across processes (INCR with a TTL), raised while any fell in the window', async () => {
    const harness = await open();
    const { connection, prefix } = harness;
    const now = Date.now();
    await recordStalled(connection, prefix, QueueName.DATA_SYNC, now);
    await recordStalled(connection, prefix, QueueName.DATA_SYNC, now);
    await recordStalled(connection, prefix, QueueName.DATA_SYNC, now - 60_000);
    // Ten minutes ago: outside the five-minute window.
    await recordStalled(connection, prefix, QueueName.ALERTS, now - 10 * 60_000);

    const counts = await recentStalled(connection, prefix, QUEUE_NAMES, 5, now);
    expect(counts).toEqual({ ...Object.fromEntries(QUEUE_NAMES.map((q) => [q, 0])), [QueueName.DATA_SYNC]: 3 });
    expect(await recentStalled(connection, prefix, [QueueName.ALERTS], 15, now)).toEqual({ [QueueName.ALERTS]: 1 });
    const [key] = await connection.keys(`${prefix}:health:stalled:${QueueName.DATA_SYNC}:${Math.floor(now / 60_000)}`);
    const ttl = await connection.ttl(key);
    expect(ttl).toBeGreaterThan(STALLED_TTL_SEC - 60);
    expect(ttl).toBeLessThanOrEqual(STALLED_TTL_SEC);

    const monitor = monitorOf(harness);
    expect((await monitor.check()).raised).toEqual([`stalled:${QueueName.DATA_SYNC}`]);
  });

  it('Redis memory is read from INFO memory (maxmemory 0 when none is set)', async () => {
    const harness = await open();
    const mem = await readRedisMemory(harness.connection);
    expect(mem.usedBytes).toBeGreaterThan(0);
    const [, max] = (await harness.connection.config('GET', 'maxmemory')) as [string, string];
    expect(mem.maxBytes).toBe(Number(max));
  });
});

describe('the Alerts page’s notifications (tRPC)', () => {
  let app: ApiApp | undefined;
  let worker: WorkerRuntime | undefined;
  afterEach(async () => {
    await worker?.close(3000);
    worker = undefined;
    await app?.close();
    app = undefined;
  });

  const call = (req: ReturnType<typeof trpcQuery>, token: string) => send(app!.base, withHeaders(req, bearer(token)));
  /** A mutation without input, as the tRPC client sends it: JSON content type, empty body. */
  const sendTest = { ...trpcMutation('alerts.sendTestNotification', undefined), raw: '' };

  it('lists the channels (secrets masked) with their last delivery; an admin’s test notification reaches every one, audited; a viewer may not send one', async () => {
    app = await startApiApp({ env: channelEnv() });
    const a = app;
    const real = createProcessors({
      store: a.domain.store,
      queueService: a.runtime.queueService,
      connection: a.runtime.connection,
      config: a.config,
      log: silentLogger,
    });
    worker = createWorkerRuntime({ connection: a.runtime.connection, prefix: a.prefix, log: silentLogger, processors: { alerts: real.alerts } });
    await worker.ready();

    const before = await call(trpcQuery('alerts.notificationChannels'), VIEWER_API_TOKEN);
    expect(before.status).toBe(200);
    expect(before.body.result.data).toEqual([
      { channel: 'slack', target: new URL(slack.url).host, last: null },
      { channel: 'webhook', target: `${new URL(hook.url).host} (signed)`, last: null },
      { channel: 'email', target: OPS.join(', '), last: null },
    ]);

    const refused = await call(sendTest, VIEWER_API_TOKEN);
    expect(refused.status).toBe(403);
    expect(slack.requests).toHaveLength(0);

    const sent = await call(sendTest, API_TOKEN);
    expect(sent.status, sent.text).toBe(200);
    const { id, jobIds } = sent.body.result.data as { id: string; jobIds: string[] };
    expect(jobIds).toEqual(CHANNELS.map((c) => `notify-${c}-${id}`));
    for (const jobId of jobIds) {
      const job = await waitFor(async () => {
        const j = await a.runtime.queueService.getJob(ALERTS, jobId);
        return j?.finishedOn ? j : undefined;
      });
      expect(job.failedReason).toBeUndefined();
    }
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0].json.text).toBe(
      '[TEST] TEST_NOTIFICATION: Test notification from BizInsights Jobs, sent by api-token from the Alerts page: this channel works.',
    );
    expect(hook.requests).toHaveLength(1);
    expect(hook.requests[0]).toMatchObject({ signatureOk: true, json: { id, type: 'alert.test' } });
    const queuedEmails = (await a.runtime.queueService.queue(EMAIL).getJobs(['waiting'])).map((j) => (j.data as EmailJobData).to).sort();
    expect(queuedEmails).toEqual(OPS);

    const after = await call(trpcQuery('alerts.notificationChannels'), VIEWER_API_TOKEN);
    for (const c of after.body.result.data as NotificationChannelStatus[]) {
      expect(c.last).toMatchObject({ ok: true, final: true, event: 'test', alertType: 'TEST_NOTIFICATION', notificationId: id });
    }
    const entry = (await auditList(a)).entries.find((e) => e.action === 'alert.test-notification');
    expect(entry).toMatchObject({ ok: true, user: 'api-token', role: 'admin', queue: ALERTS, count: 3, jobIds });
  });

  it('with no channel configured: an empty list, and a test sends nothing', async () => {
    app = await startApiApp();
    const list = await call(trpcQuery('alerts.notificationChannels'), VIEWER_API_TOKEN);
    expect(list.body.result.data).toEqual([]);
    const sent = await call(sendTest, API_TOKEN);
    expect(sent.status, sent.text).toBe(200);
    expect(sent.body.result.data).toEqual({ id: null, jobIds: [] });
    expect(await app.runtime.queueService.countJobs(ALERTS, ['wait', 'prioritized', 'delayed'])).toBe(0);
  });
});
