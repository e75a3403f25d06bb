/**
 * The email and alerts processors end to end: real BullMQ workers running the production processors
 * (createProcessors, the transport chosen from configuration as in production) on real Redis, over a
 * fresh SQLite or PostgreSQL store; Resend is the stand-in, SMTP a local smtp-server.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, expect, vi } from 'vitest';
import type { AlertJobData, EmailJobData } from '../../shared/jobs.ts';
import { QueueName } from '../../shared/queues.ts';
import type { AlertResult } from '../../server/domain/alerts/alert-processing.ts';
import { createAlertProcessor } from '../../server/domain/alerts/alert-processing.ts';
import type { EmailResult } from '../../server/domain/email/email-processing.ts';
import { startResendStandin, type ResendStandin } from '../../server/demo/resend-standin.ts';
import { messageIdFor } from '../../server/domain/email/transports.ts';
import { describeOnStores } from '../helpers/describe-on-stores.ts';
import { removeKeys } from '../helpers/redis.ts';
import { fakeWallClock } from '../helpers/wall-clock.ts';
import { openProcessorHarness, type ProcessorHarness } from '../fixtures/processor-harness.ts';

const EMAIL = QueueName.EMAIL_SENDING;
const ALERTS = QueueName.ALERTS;
const PUBLIC_URL = 'https://console.bizinsights.test';
const API_KEY = 're_test_processors';
const ANN = 'ann@example.com';
const BOB = 'bob@example.com';

/** A fast retry for tests (the queue's default backoff starts at 2 s). */
const FAST_RETRY = { attempts: 3, backoff: { type: 'fixed' as const, delay: 100 } };

const alertEmail = (message: string): EmailJobData => ({
  to: [ANN, BOB],
  subject: 'Revenue alert',
  template: 'alert-notification',
  data: { alertType: 'DATA_ANOMALY', severity: 'high', message, organizationName: 'Acme', alertUrl: 'https://console.bizinsights.test/alerts' },
  organizationId: 'org-1',
});

/**
 * Arms `failNext(status)` on the stand-in the moment it accepts its first message, so the very next
 * POST /emails (the job's second recipient) fails: deterministic, with no race against the worker.
 */
function failAfterFirstAccepted(s: ResendStandin, status: number) {
  const push = s.sent.push.bind(s.sent);
  s.sent.push = (...items) => {
    const n = push(...items);
    if (n === 1) s.failNext(status);
    return n;
  };
}

interface Received {
  to: string[];
  from?: string;
  raw: string;
}

async function startSmtpServer(): Promise<{ port: number; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback(null, 'Message queued');
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describeOnStores('email processor', (dialect, test) => {
  let h: ProcessorHarness | undefined;
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    await h?.close();
    h = undefined;
    for (const c of closers.splice(0).reverse()) await c();
  });

  const send = async (data: EmailJobData, opts?: Parameters<ProcessorHarness['queueService']['addJob']>[2]) => {
    const job = await h!.queueService.addJob(EMAIL, data, opts);
    return h!.settle(EMAIL, job.id!);
  };
  const rows = async () => (await h!.store.outbox.list()).emails.sort((a, b) => a.recipient.localeCompare(b.recipient));

  test('without a provider the outbox is the destination: one sent row per recipient, user data escaped in the HTML', async () => {
    h = await openProcessorHarness(dialect);
    await h.startWorkers([EMAIL]);
    const done = await send(alertEmail('Revenue <script>alert(1)</script> dropped'));
    expect(done.state, done.failedReason).toBe('completed');
    expect(done.returnvalue as EmailResult).toEqual({ sent: [ANN, BOB], alreadySent: [], rejected: [], provider: 'outbox' });

    const outbox = await rows();
    expect(outbox).toHaveLength(2);
    // One ledger entry per (job, recipient): the same job for both, the job's id in it.
    expect(outbox[0].jobId).toBe(outbox[1].jobId);
    expect(outbox[0].jobId).toContain(String(done.id));
    expect(outbox[0].messageId).not.toBe(outbox[1].messageId);
    for (const [i, to] of [ANN, BOB].entries()) {
      expect(outbox[i]).toMatchObject({
        recipient: to,
        sender: h.config.EMAIL_FROM,
        subject: 'Revenue alert',
        template: 'alert-notification',
        organizationId: 'org-1',
        status: 'sent',
        provider: 'outbox',
        messageId: expect.stringMatching(/^outbox:/),
        error: null,
        sentAt: expect.any(String),
      });
      const { html } = (await h.store.outbox.get(outbox[i].id))!;
      expect(html).toContain('Revenue &lt;script&gt;alert(1)&lt;/script&gt; dropped');
      expect(html).not.toMatch(/<script/i);
    }
  });

  test('Resend (RESEND_API_KEY + RESEND_BASE_URL): the stand-in receives one message per recipient', async () => {
    const resend = await startResendStandin({ apiKey: API_KEY });
    closers.push(() => resend.close());
    h = await openProcessorHarness(dialect, { env: { RESEND_API_KEY: API_KEY, RESEND_BASE_URL: resend.url } });
    await h.startWorkers([EMAIL]);
    const done = await send(alertEmail('Revenue dropped 40%'));
    expect(done.state, done.failedReason).toBe('completed');
    expect(done.returnvalue).toMatchObject({ sent: [ANN, BOB], provider: 'resend' });

    expect(resend.sent.map((m) => m.to)).toEqual([[ANN], [BOB]]);
    // An idempotency key per job and recipient.
    const [keyA, keyB] = resend.sent.map((m) => m.idempotencyKey!);
    expect(keyA).toContain(String(done.id));
    expect(keyA).toContain(ANN);
    expect(keyB).toContain(BOB);
    const outbox = await rows();
    expect(resend.sent.every((m) => m.from === h!.config.EMAIL_FROM && m.subject === 'Revenue alert')).toBe(true);
    expect(outbox.map((r) => [r.recipient, r.status, r.provider, r.messageId])).toEqual([
      [ANN, 'sent', 'resend', resend.sent[0].id],
      [BOB, 'sent', 'resend', resend.sent[1].id],
    ]);
    expect(resend.sent[0].html).toBe((await h.store.outbox.get(outbox[0].id))!.html);
  });

  test('no double send on retry: the second recipient fails transiently, the retry sends only to it', async () => {
    const resend = await startResendStandin({ apiKey: API_KEY });
    closers.push(() => resend.close());
    failAfterFirstAccepted(resend, 500);
    h = await openProcessorHarness(dialect, { env: { RESEND_API_KEY: API_KEY, RESEND_BASE_URL: resend.url } });
    await h.startWorkers([EMAIL]);
    const done = await send(alertEmail('Revenue dropped 40%'), FAST_RETRY);
    expect(done.state, done.failedReason).toBe('completed');
    expect(done.attemptsMade).toBe(2);
    expect(done.returnvalue as EmailResult).toEqual({ sent: [BOB], alreadySent: [ANN], rejected: [], provider: 'resend' });

    // Exactly one message per recipient reached the provider; the failed call was answered 500.
    expect(resend.sent.map((m) => m.to[0])).toEqual([ANN, BOB]);
    // The retry asked again with the same idempotency key as the failed call.
    expect(resend.requests.map((r) => r.status)).toEqual([200, 500, 200]);
    const keys = resend.requests.map((r) => r.idempotencyKey);
    expect(keys[0]).toContain(ANN);
    expect(keys[1]).toContain(BOB);
    expect(keys[2]).toBe(keys[1]);
    expect((await rows()).map((r) => [r.recipient, r.status, r.error])).toEqual([
      [ANN, 'sent', null],
      [BOB, 'sent', null],
    ]);
  });

  test('a recipient the provider refuses (422) is not retried; when every recipient is refused the job fails without retries', async () => {
    const resend = await startResendStandin({ apiKey: API_KEY });
    closers.push(() => resend.close());
    h = await openProcessorHarness(dialect, { env: { RESEND_API_KEY: API_KEY, RESEND_BASE_URL: resend.url } });
    await h.startWorkers([EMAIL]);

    // Every recipient refused: failed at once.
    resend.failNext(422, 2);
    const failed = await send(alertEmail('first'), FAST_RETRY);
    expect(failed.state).toBe('failed');
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/^Every recipient was refused: /);
    expect(failed.failedReason).toContain(`${ANN}: Resend answered 422`);
    expect(failed.failedReason).toContain(`${BOB}: Resend answered 422`);
    expect(resend.sent).toEqual([]);
    expect((await rows()).map((r) => [r.recipient, r.status, r.error?.includes('422')])).toEqual([
      [ANN, 'failed', true],
      [BOB, 'failed', true],
    ]);
    // Final: a retry would have left the job 'delayed' (or waiting), not 'failed'.
    expect(failed.opts.attempts).toBe(3);
    expect(await h.queueService.getQueueStats(EMAIL)).toMatchObject({ failed: 1, delayed: 0, waiting: 0, active: 0 });
    expect(resend.requests).toHaveLength(2);

    // One of two refused: the job completes, the refusal reported, nothing retried.
    failAfterFirstAccepted(resend, 422);
    const partial = await send(alertEmail('second'), FAST_RETRY);
    expect(partial.state, partial.failedReason).toBe('completed');
    expect(partial.attemptsMade).toBe(1);
    expect(partial.returnvalue).toMatchObject({ sent: [ANN], alreadySent: [], rejected: [{ to: BOB, error: expect.stringContaining('422') }] });
    expect(resend.sent.map((m) => m.to[0])).toEqual([ANN]);
  });

  test('SMTP (SMTP_URL): a local SMTP server receives the message for each recipient, with the stable Message-ID', async () => {
    const smtp = await startSmtpServer();
    closers.push(() => smtp.close());
    h = await openProcessorHarness(dialect, { env: { SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, EMAIL_FROM: 'BizInsights <noreply@bizinsights.test>' } });
    await h.startWorkers([EMAIL]);
    const done = await send({ ...alertEmail('Sessions fell <b>sharply</b>'), subject: 'Sessions alert' });
    expect(done.state, done.failedReason).toBe('completed');
    expect(done.returnvalue).toMatchObject({ sent: [ANN, BOB], provider: 'smtp' });

    expect(smtp.received.map((m) => m.to)).toEqual([[ANN], [BOB]]);
    for (const [i, to] of [ANN, BOB].entries()) {
      const { raw, from } = smtp.received[i];
      expect(from).toBe('noreply@bizinsights.test');
      expect(raw).toMatch(/^Subject: Sessions alert\r?$/m);
      const key = /^X-Idempotency-Key: (.+?)\r?$/m.exec(raw)?.[1];
      expect(key).toContain(String(done.id));
      expect(key).toContain(to);
      // The Message-ID follows from the key: a repeat of this send would carry the same one.
      expect(raw).toContain(`Message-ID: ${messageIdFor(key!, 'BizInsights <noreply@bizinsights.test>')}`);
      expect(raw).toContain('Sessions fell &lt;b&gt;sharply&lt;/b&gt;');
    }
    expect((await rows()).map((r) => [r.recipient, r.status, r.provider])).toEqual([
      [ANN, 'sent', 'smtp'],
      [BOB, 'sent', 'smtp'],
    ]);
  });

  test('a payload that does not fit its template (welcome without name) fails without retries, naming the field', async () => {
    h = await openProcessorHarness(dialect);
    await h.startWorkers([EMAIL]);
    const failed = await send({ to: ANN, subject: 'Welcome', template: 'welcome', data: { dashboardUrl: 'https://x.test' } });
    expect(failed.state).toBe('failed');
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toBe('Invalid email data for template "welcome": name: is required');
    expect(await rows()).toEqual([]);
  });

  test('a new email is sent even when BullMQ hands out a job id the ledger has seen before (Redis reset, same database)', async () => {
    h = await openProcessorHarness(dialect);
    await h.startWorkers([EMAIL]);
    const first = await send({ to: ANN, subject: 'Welcome', template: 'welcome', data: { name: 'Ann' } });
    expect(first.returnvalue).toMatchObject({ sent: [ANN] });

    // Redis loses its data (a new instance, a flush, another QUEUE_PREFIX): job ids start again at 1.
    await h.stopWorkers();
    await removeKeys(h.connection, h.prefix);
    await h.startWorkers([EMAIL]);
    const second = await send({ ...alertEmail('A different email'), to: ANN });
    expect(second.id).toBe(first.id);
    expect(second.state, second.failedReason).toBe('completed');
    // A different email to the same person: it must be sent, not taken for the earlier one.
    expect(second.returnvalue).toMatchObject({ sent: [ANN], alreadySent: [] });
    expect((await h.store.outbox.list()).emails.map((e) => e.template).sort()).toEqual(['alert-notification', 'welcome']);
  });
});

// ───────────────────────────── alerts ─────────────────────────────

describeOnStores('alerts processor', (dialect, test) => {
  let h: ProcessorHarness | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await h?.close();
    h = undefined;
  });

  const alert = (organizationId: string, over: Partial<AlertJobData> = {}): AlertJobData => ({
    organizationId,
    alertType: 'SYNC_FAILED',
    severity: 'MEDIUM',
    message: 'Shopify sync failed',
    metadata: { integrationId: 'int-1' },
    ...over,
  });
  const raise = async (data: AlertJobData, opts?: Parameters<ProcessorHarness['queueService']['addJob']>[2]) => {
    const job = await h!.queueService.addJob(ALERTS, data, opts);
    const done = await h!.settle(ALERTS, job.id!);
    expect(done.state, done.failedReason).toBe('completed');
    return done.returnvalue as AlertResult;
  };
  const stored = async (organizationId: string) => (await h!.store.alerts.list({ organizationId })).alerts;

  test('stores an alert; the same type for the same org within ALERT_FOLD_WINDOW_MS folds into it; after the window a new row', async () => {
    // The fold window is read off the wall clock: a window of a minute, and a clock the test moves on.
    const FOLD_WINDOW_MS = 60_000;
    fakeWallClock(Date.now());
    h = await openProcessorHarness(dialect, { env: { ALERT_FOLD_WINDOW_MS: String(FOLD_WINDOW_MS), PUBLIC_URL } });
    await h.startWorkers([ALERTS]);
    const org = await h.org();
    const other = await h.org('Other');

    const first = await raise(alert(org.id, { metadata: { n: 1 } }));
    expect(first).toEqual({ alertId: expect.any(String), folded: false, notified: 0 });
    expect(await stored(org.id)).toMatchObject([
      {
        id: first.alertId,
        organizationId: org.id,
        alertType: 'SYNC_FAILED',
        severity: 'MEDIUM',
        message: 'Shopify sync failed',
        metadata: { n: 1 },
        status: 'open',
        occurrences: 1,
      },
    ]);

    // Within the window: folded (count up, newest message and metadata, severity rises).
    const second = await raise(alert(org.id, { severity: 'HIGH', message: 'Shopify sync failed again', metadata: { n: 2 } }));
    expect(second).toEqual({ alertId: first.alertId, folded: true, notified: 0 });
    const folded = await stored(org.id);
    expect(folded).toHaveLength(1);
    expect(folded[0]).toMatchObject({ id: first.alertId, occurrences: 2, severity: 'HIGH', message: 'Shopify sync failed again', metadata: { n: 2 } });
    expect(folded[0].lastAt >= folded[0].firstAt).toBe(true);

    // Another type, another organization: rows of their own.
    expect((await raise(alert(org.id, { alertType: 'AUTH_ERROR' }))).folded).toBe(false);
    expect((await raise(alert(other.id))).folded).toBe(false);
    expect(await stored(other.id)).toHaveLength(1);

    // Past the window (counted from the last occurrence): a new alert.
    const lastAt = Date.parse((await stored(org.id)).find((a) => a.id === first.alertId)!.lastAt);
    vi.setSystemTime(lastAt + FOLD_WINDOW_MS + 1000);
    const third = await raise(alert(org.id));
    expect(third.folded).toBe(false);
    expect(third.alertId).not.toBe(first.alertId);
    const sync = (await stored(org.id)).filter((a) => a.alertType === 'SYNC_FAILED');
    expect(sync.map((a) => [a.id, a.occurrences]).sort()).toEqual(
      [
        [first.alertId, 2],
        [third.alertId, 1],
      ].sort(),
    );
  });

  test('a HIGH alert queues one alert-notification email to the org admins; a duplicate run queues no second one; LOW and MEDIUM queue none', async () => {
    h = await openProcessorHarness(dialect, { env: { PUBLIC_URL } });
    await h.startWorkers([ALERTS]);
    const org = await h.org('Acme Admins');
    await h.store.addMember({ organizationId: org.id, name: 'Ann', email: 'Ann@Example.com', role: 'admin' });
    await h.store.addMember({ organizationId: org.id, name: 'Bob', email: 'bob@example.com', role: 'admin' });
    await h.store.addMember({ organizationId: org.id, name: 'Vic', email: 'vic@example.com', role: 'member' });

    for (const severity of ['LOW', 'MEDIUM'] as const) {
      expect(await raise(alert(org.id, { alertType: `QUIET_${severity}`, severity }))).toMatchObject({ folded: false, notified: 0 });
    }
    expect(await h.jobs(EMAIL)).toEqual([]);

    const data = alert(org.id, { alertType: 'DATA_ANOMALY', severity: 'HIGH', message: 'Revenue dropped 70%', metadata: { metric: 'revenue' } });
    const high = await raise(data);
    expect(high).toEqual({ alertId: expect.any(String), folded: false, notified: 2 });
    const emails = await h.jobs(EMAIL);
    expect(emails).toHaveLength(1);
    expect(emails[0].id).toBe(`alert-email-${high.alertId}`);
    expect(emails[0].data).toEqual({
      to: ['ann@example.com', 'bob@example.com'],
      subject: '[HIGH] DATA_ANOMALY: Revenue dropped 70%',
      template: 'alert-notification',
      data: {
        alertType: 'DATA_ANOMALY',
        severity: 'HIGH',
        message: 'Revenue dropped 70%',
        organizationName: 'Acme Admins',
        alertUrl: `${PUBLIC_URL}/alerts`,
        metadata: { metric: 'revenue' },
      },
      organizationId: org.id,
    });

    // The same alert again (a duplicate delivery, a re-run): folded, no second email.
    expect(await raise(data)).toMatchObject({ alertId: high.alertId, folded: true });
    expect(await h.jobs(EMAIL)).toHaveLength(1);

    // CRITICAL notifies too; an org without admins is stored but nobody is mailed.
    const critical = await raise(alert(org.id, { alertType: 'SYNC_FAILED', severity: 'CRITICAL' }));
    expect(critical.notified).toBe(2);
    const lonely = await h.org('No admins');
    expect(await raise(alert(lonely.id, { severity: 'HIGH' }))).toMatchObject({ folded: false, notified: 0 });
    expect((await h.jobs(EMAIL)).map((j) => j.id).sort()).toEqual([`alert-email-${high.alertId}`, `alert-email-${critical.alertId}`].sort());
  });

  test('an open MEDIUM alert that a HIGH occurrence escalates (folded) notifies the admins once', async () => {
    h = await openProcessorHarness(dialect, { env: { PUBLIC_URL } });
    await h.startWorkers([ALERTS]);
    const org = await h.org('Escalation Co');
    await h.store.addMember({ organizationId: org.id, name: 'Ann', email: ANN, role: 'admin' });
    // As the insights processor raises them: a warning-level orders anomaly, then a critical revenue drop.
    const medium = await raise(
      alert(org.id, { alertType: 'DATA_ANOMALY', severity: 'MEDIUM', message: 'Unusually low orders', metadata: { metric: 'orders' } }),
    );
    expect(medium.notified).toBe(0);
    const high = await raise(alert(org.id, { alertType: 'DATA_ANOMALY', severity: 'HIGH', message: 'Revenue dropped 70%', metadata: { metric: 'revenue' } }));
    expect(high.alertId).toBe(medium.alertId);
    expect((await h.store.alerts.get(high.alertId))?.severity).toBe('HIGH');
    // The alert is HIGH now and nobody was told: the escalation must notify, once.
    const emails = await h.jobs(EMAIL);
    expect(emails.map((j) => (j.data as EmailJobData).to)).toEqual([[ANN]]);
    await raise(alert(org.id, { alertType: 'DATA_ANOMALY', severity: 'HIGH', message: 'Revenue dropped 71%', metadata: { metric: 'revenue' } }));
    expect(await h.jobs(EMAIL)).toHaveLength(1);
  });

  test('a retried HIGH alert job (queueing the email failed once) still queues exactly one notification', async () => {
    h = await openProcessorHarness(dialect, { env: { PUBLIC_URL } });
    const org = await h.org('Retry Co');
    await h.store.addMember({ organizationId: org.id, name: 'Ann', email: ANN, role: 'admin' });
    let calls = 0;
    const queueService = h.queueService;
    await h.startWorkers([ALERTS], {
      alerts: createAlertProcessor({
        store: h.store,
        foldWindowMs: 3600_000,
        publicUrl: PUBLIC_URL,
        sendEmail: async (data, opts) => {
          if (++calls === 1) throw new Error('Redis connection lost while queueing the email');
          return queueService.addJob(EMAIL, data, opts);
        },
      }),
    });
    const job = await h.queueService.addJob(ALERTS, alert(org.id, { severity: 'HIGH' }), FAST_RETRY);
    const done = await h.settle(ALERTS, job.id!);
    expect(done.state, done.failedReason).toBe('completed');
    expect(done.attemptsMade).toBe(2);
    // One alert row (the retry must not make a second one)…
    expect(await stored(org.id)).toHaveLength(1);
    // …and the admins are told once: the failed first attempt must not swallow the notification.
    expect(await h.jobs(EMAIL)).toHaveLength(1);
  });

  test('the same alert delivered several times at once folds into one row (the worker runs 5 alerts concurrently)', async () => {
    h = await openProcessorHarness(dialect, { env: { PUBLIC_URL } });
    const org = await h.org('Burst Co');
    await h.store.addMember({ organizationId: org.id, name: 'Ann', email: ANN, role: 'admin' });
    const jobs = await h.queueService.addJobs(
      ALERTS,
      Array.from({ length: 5 }, (_, i) => ({ data: alert(org.id, { severity: 'HIGH', metadata: { i } }) })),
    );
    await h.startWorkers([ALERTS]);
    for (const j of jobs) expect((await h.settle(ALERTS, j.id!)).state).toBe('completed');
    const rows = await stored(org.id);
    expect(rows.map((r) => r.occurrences)).toEqual([5]);
    expect(await h.jobs(EMAIL)).toHaveLength(1);
  });
});
