import { describe, expect, it } from 'vitest';
import { jobDataSchemas, jobOptionsSchema } from '../../shared/jobs.ts';
import { QUEUE_NAMES, QUEUE_POLICIES, QueueName } from '../../shared/queues.ts';
import { fieldErrorsOf } from '../../server/queue/errors.ts';

/** The guide's examples, one per queue: each must be accepted as written. */
const guideExamples = {
  [QueueName.DATA_SYNC]: { integrationId: '123', organizationId: '456', platform: 'shopify', syncType: 'incremental' },
  [QueueName.INSIGHTS_GENERATION]: { organizationId: '456', period: '30d', forceRegenerate: true },
  [QueueName.WEBHOOK_PROCESSING]: { platform: 'shopify', eventType: 'orders/create', payload: { id: 1 }, signature: 'hmac-signature', integrationId: '123' },
  [QueueName.REPORT_GENERATION]: { reportId: 'report-123', organizationId: '456', reportType: 'weekly', period: '7d', recipientEmails: ['user@example.com'] },
  [QueueName.EMAIL_SENDING]: { to: 'user@example.com', subject: 'Welcome to BizInsights', template: 'welcome', data: { name: 'John Doe' } },
  [QueueName.ALERTS]: {
    organizationId: '456',
    alertType: 'DATA_ANOMALY',
    severity: 'HIGH',
    message: 'Revenue dropped 50% from yesterday',
    metadata: { metric: 'revenue', change: -50 },
  },
} as const;

/** Bad payloads per queue with the field the error must name. */
const badPayloads: Array<[QueueName, Record<string, unknown>, string]> = [
  ['data-sync', { ...guideExamples['data-sync'], platform: 'myspace' }, 'platform'],
  ['data-sync', { ...guideExamples['data-sync'], integrationId: '' }, 'integrationId'],
  ['data-sync', { ...guideExamples['data-sync'], syncType: 'partial' }, 'syncType'],
  ['data-sync', { ...guideExamples['data-sync'], startDate: 'yesterday' }, 'startDate'],
  ['data-sync', { ...guideExamples['data-sync'], startDate: '2026-02-01', endDate: '2026-01-01' }, 'endDate'],
  ['insights-generation', { organizationId: '456', period: '2w' }, 'period'],
  ['insights-generation', { period: '7d' }, 'organizationId'],
  ['insights-generation', { organizationId: '456', period: '7d', forceRegenerate: 'yes' }, 'forceRegenerate'],
  ['webhook-processing', { platform: 'shopify', payload: {}, signature: 's' }, 'eventType'],
  ['webhook-processing', { platform: 'shopify', eventType: 'orders/create', signature: 's' }, 'payload'],
  ['webhook-processing', { platform: 'shopify', eventType: 'orders/create', payload: {}, signature: 5 }, 'signature'],
  ['report-generation', { ...guideExamples['report-generation'], reportType: 'daily' }, 'reportType'],
  ['report-generation', { ...guideExamples['report-generation'], recipientEmails: ['ok@example.com', 'nope'] }, 'recipientEmails.1'],
  ['email-sending', { ...guideExamples['email-sending'], to: 'not-an-email' }, 'to'],
  ['email-sending', { ...guideExamples['email-sending'], to: [] }, 'to'],
  ['email-sending', { ...guideExamples['email-sending'], template: 'newsletter' }, 'template'],
  ['email-sending', { ...guideExamples['email-sending'], subject: '  ' }, 'subject'],
  ['alerts', { ...guideExamples.alerts, severity: 'URGENT' }, 'severity'],
  ['alerts', { ...guideExamples.alerts, message: '' }, 'message'],
  ['alerts', { ...guideExamples.alerts, metadata: 'x' }, 'metadata'],
];

describe('job data schemas', () => {
  it('has one schema per queue', () => {
    expect(Object.keys(jobDataSchemas).sort()).toEqual([...QUEUE_NAMES].sort());
  });

  it.each(QUEUE_NAMES)('accepts the guide example for %s', (queue) => {
    const result = jobDataSchemas[queue].safeParse(guideExamples[queue]);
    expect(result.success).toBe(true);
  });

  it('accepts a list of recipients and a woocommerce sync with a date range', () => {
    expect(jobDataSchemas['email-sending'].safeParse({ ...guideExamples['email-sending'], to: ['a@example.com', 'b@example.com'] }).success).toBe(true);
    expect(
      jobDataSchemas['data-sync'].safeParse({
        ...guideExamples['data-sync'],
        platform: 'woocommerce',
        syncType: 'full',
        startDate: '2026-01-01',
        endDate: '2026-01-31T23:59:59Z',
      }).success,
    ).toBe(true);
  });

  it('accepts optional fields given as undefined (what the console sends for an empty field), within the size and depth limits', () => {
    const report = { reportId: 'r-1', organizationId: 'org-1', reportType: 'weekly', period: '7d', recipientEmails: undefined };
    expect(jobDataSchemas['report-generation'].safeParse(report).success).toBe(true);
    expect(jobDataSchemas.alerts.safeParse({ ...guideExamples.alerts, metadata: { note: undefined, nested: { x: undefined } } }).success).toBe(true);
  });

  it.each(badPayloads)('refuses a bad %s payload, naming %s', (queue, payload, field) => {
    const result = jobDataSchemas[queue].safeParse(payload);
    expect(result.success).toBe(false);
    if (!result.success) expect(Object.keys(fieldErrorsOf(result.error))).toContain(field);
  });
});

describe('job options', () => {
  it('accepts the guide custom options', () => {
    const opts = { priority: 1, attempts: 5, backoff: { type: 'exponential', delay: 5000 }, delay: 60000, timeout: 300000 };
    expect(jobOptionsSchema.parse(opts)).toEqual(opts);
  });

  it.each([
    [{ priority: -1 }, 'priority'],
    [{ attempts: 0 }, 'attempts'],
    [{ timeout: 0 }, 'timeout'],
    [{ delay: 1.5 }, 'delay'],
    [{ backoff: { type: 'linear', delay: 1 } }, 'backoff'],
    [{ jobId: '42' }, 'jobId'],
    [{ jobId: 'a:b' }, 'jobId'],
    [{ repeat: { every: 1000 } }, '(root)'],
  ])('refuses %j', (opts, field) => {
    const result = jobOptionsSchema.safeParse(opts);
    expect(result.success).toBe(false);
    if (!result.success) expect(Object.keys(fieldErrorsOf(result.error))).toContain(field);
  });
});

describe('queue policies', () => {
  it('hold the guide defaults', () => {
    for (const q of QUEUE_NAMES) {
      const p = QUEUE_POLICIES[q];
      expect(p.attempts).toBe(3);
      expect(p.backoff).toEqual({ type: 'exponential', delay: 2000 });
      expect(p.keepCompletedSec).toBe(24 * 3600);
      expect(p.keepFailedSec).toBe(7 * 24 * 3600);
    }
    expect(QUEUE_POLICIES['data-sync'].timeoutMs).toBe(5 * 60_000);
    expect(QUEUE_POLICIES['insights-generation'].timeoutMs).toBe(3 * 60_000);
    expect(QUEUE_POLICIES['webhook-processing'].timeoutMs).toBe(30_000);
    expect(QUEUE_POLICIES['email-sending'].timeoutMs).toBe(10_000);
    for (const heavy of ['data-sync', 'insights-generation', 'report-generation'] as const) {
      expect(QUEUE_POLICIES[heavy].concurrency).toBeGreaterThanOrEqual(1);
      expect(QUEUE_POLICIES[heavy].concurrency).toBeLessThanOrEqual(2);
    }
    for (const light of ['webhook-processing', 'email-sending', 'alerts'] as const) {
      expect(QUEUE_POLICIES[light].concurrency).toBeGreaterThanOrEqual(5);
      expect(QUEUE_POLICIES[light].concurrency).toBeLessThanOrEqual(10);
    }
  });
});
