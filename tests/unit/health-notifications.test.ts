/**
 * The pure parts of queue-health notifications: payloads (Slack blocks, the signed webhook body, the
 * email), the receiver-answer rule, when a waiting job became ready, INFO memory, and the channels
 * configuration turns on.
 */
import { describe, expect, it } from 'vitest';
import { jobDataSchemas } from '../../shared/jobs.ts';
import { configuredChannels, describeTarget } from '../../server/monitoring/notifications/channels.ts';
import { outcomeOf } from '../../server/monitoring/notifications/deliver.ts';
import { noticeEmail, signBody, slackMessage, webhookBody, type Notice } from '../../server/monitoring/notifications/payloads.ts';
import { parseMemoryInfo } from '../../server/monitoring/redis-memory.ts';
import { readyAtOf } from '../../server/queue/oldest-waiting.ts';

const CONSOLE = 'https://jobs.example.com';
const AT = '2025-03-01T12:00:00.000Z';

const notice = (over: Partial<Notice['notification']> = {}, message = 'report-generation has 101 waiting jobs (threshold 100)'): Notice => ({
  organizationId: 'system',
  alertType: 'QUEUE_BACKLOG',
  severity: 'HIGH',
  message,
  metadata: { queue: 'report-generation', waiting: 101, threshold: 100 },
  notification: { channel: 'slack', event: 'raised', id: 'a1-raised', alertId: 'a1', key: 'backlog:report-generation', at: AT, ...over },
});

describe('the alerts job schema', () => {
  it('still takes organization alerts as they were, and notification jobs with a valid notification', () => {
    const { notification: _, ...orgAlert } = notice();
    expect(jobDataSchemas.alerts.safeParse(orgAlert).success).toBe(true);
    expect(jobDataSchemas.alerts.safeParse(notice()).success).toBe(true);
    const bad = jobDataSchemas.alerts.safeParse({ ...notice(), notification: { ...notice().notification, channel: 'pager', at: 'yesterday' } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['notification.at', 'notification.channel']);
  });
});

describe('signBody', () => {
  it('is sha256=<hex HMAC-SHA256 of the exact body> (the vector checked with openssl dgst -hmac)', () => {
    expect(signBody('hello', 'secret')).toBe('sha256=88aab3ede8d3adf94d26ab90d3bafd4a2083070c3bcce9c014ee04a443847c0b');
  });
});

describe('webhookBody', () => {
  it('carries the notification id and its time (the same on every retry), the alert and a link', () => {
    const body = webhookBody(notice({ channel: 'webhook' }), CONSOLE);
    expect(webhookBody(notice({ channel: 'webhook' }), CONSOLE)).toBe(body);
    expect(JSON.parse(body)).toEqual({
      id: 'a1-raised',
      type: 'alert.raised',
      timestamp: AT,
      alert: {
        id: 'a1',
        key: 'backlog:report-generation',
        type: 'QUEUE_BACKLOG',
        severity: 'HIGH',
        message: 'report-generation has 101 waiting jobs (threshold 100)',
        queue: 'report-generation',
        metadata: { queue: 'report-generation', waiting: 101, threshold: 100 },
      },
      consoleUrl: `${CONSOLE}/alerts`,
      source: 'bizinsights-jobs',
    });
    expect(JSON.parse(webhookBody(notice({ event: 'resolved', id: 'a1-resolved' }), CONSOLE))).toMatchObject({ id: 'a1-resolved', type: 'alert.resolved' });
  });
});

describe('slackMessage', () => {
  it('has a fallback text and blocks: a header, the message, the facts, a link', () => {
    const m = slackMessage(notice(), CONSOLE);
    expect(m.text).toBe('[HIGH] QUEUE_BACKLOG: report-generation has 101 waiting jobs (threshold 100)');
    expect(m.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: ':warning: HIGH: QUEUE_BACKLOG', emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: 'report-generation has 101 waiting jobs (threshold 100)' } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: '*Severity*\nHIGH' },
          { type: 'mrkdwn', text: '*Queue*\nreport-generation' },
          { type: 'mrkdwn', text: `*Raised*\n<!date^${Date.parse(AT) / 1000}^{date_short_pretty} {time}|${AT}>` },
          { type: 'mrkdwn', text: '*Condition*\n`backlog:report-generation`' },
        ],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `BizInsights Jobs · <${CONSOLE}/alerts|Open the Alerts page> · a1-raised` }] },
    ]);
  });

  it('says resolved and test plainly, escapes mrkdwn control characters, and keeps Slack’s length limits', () => {
    const resolved = slackMessage(notice({ event: 'resolved' }), CONSOLE);
    expect(resolved.text.startsWith('[RESOLVED] QUEUE_BACKLOG:')).toBe(true);
    expect(resolved.blocks[0]).toMatchObject({ text: { text: ':white_check_mark: Resolved: QUEUE_BACKLOG' } });
    expect(slackMessage(notice({ event: 'test' }), CONSOLE).blocks[0]).toMatchObject({ text: { text: ':bell: Test notification' } });

    const tricky = slackMessage(notice({}, 'a <b> & <!channel>'), CONSOLE);
    expect(tricky.blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'a &lt;b&gt; &amp; &lt;!channel&gt;' } });
    expect(tricky.text).toBe('[HIGH] QUEUE_BACKLOG: a &lt;b&gt; &amp; &lt;!channel&gt;');

    const long = slackMessage({ ...notice({}, 'x'.repeat(5000)), alertType: 'Y'.repeat(300) }, CONSOLE);
    const [header, section] = long.blocks as Array<{ text: { text: string } }>;
    expect(header.text.text.length).toBe(150);
    expect(section.text.text.length).toBe(3000);
    expect(long.text.length).toBe(3000);
  });
});

describe('noticeEmail', () => {
  it('is the alert-notification template to one address, resolved said in type and message', () => {
    expect(noticeEmail(notice({ channel: 'email' }), 'ops@example.com', CONSOLE)).toEqual({
      to: 'ops@example.com',
      subject: '[HIGH] QUEUE_BACKLOG: report-generation has 101 waiting jobs (threshold 100)',
      template: 'alert-notification',
      data: {
        alertType: 'QUEUE_BACKLOG',
        severity: 'HIGH',
        message: 'report-generation has 101 waiting jobs (threshold 100)',
        alertUrl: `${CONSOLE}/alerts`,
        metadata: { queue: 'report-generation', waiting: 101, threshold: 100, condition: 'backlog:report-generation', at: AT, notificationId: 'a1-raised' },
      },
    });
    const resolved = noticeEmail(notice({ channel: 'email', event: 'resolved', id: 'a1-resolved' }), 'ops@example.com', CONSOLE);
    expect(resolved).toMatchObject({ subject: expect.stringMatching(/^\[RESOLVED\] QUEUE_BACKLOG: /), data: { alertType: 'QUEUE_BACKLOG (resolved)' } });
    expect(jobDataSchemas['email-sending'].safeParse(resolved).success).toBe(true);
  });
});

describe('outcomeOf (a receiver’s answer)', () => {
  it('2xx delivered; 4xx permanent except 408 and 429; 5xx and the rest retried', () => {
    const table = [200, 201, 204, 400, 401, 403, 404, 408, 410, 429, 500, 502, 503, 302].map((s) => [s, outcomeOf(s)]);
    expect(Object.fromEntries(table)).toEqual({
      200: 'ok',
      201: 'ok',
      204: 'ok',
      400: 'permanent',
      401: 'permanent',
      403: 'permanent',
      404: 'permanent',
      408: 'retry',
      410: 'permanent',
      429: 'retry',
      500: 'retry',
      502: 'retry',
      503: 'retry',
      302: 'retry',
    });
  });
});

describe('readyAtOf (when a waiting job became ready)', () => {
  it('is its creation plus the delay it asked for (kept in opts: BullMQ zeroes the hash’s delay on promotion)', () => {
    expect(readyAtOf('1000', '{"attempts":3}', null)).toBe(1000);
    expect(readyAtOf('1000', '{"delay":5000,"attempts":3}', null)).toBe(6000);
  });

  it('is when its last attempt started for a retried or stalled job, if later', () => {
    expect(readyAtOf('1000', '{"delay":5000}', '9000')).toBe(9000);
    expect(readyAtOf('1000', '{}', '500')).toBe(1000);
  });

  it('is undefined without a timestamp; unreadable opts count as no delay', () => {
    expect(readyAtOf(null, null, null)).toBeUndefined();
    expect(readyAtOf('x', null, null)).toBeUndefined();
    expect(readyAtOf('1000', 'not json', null)).toBe(1000);
  });
});

describe('parseMemoryInfo', () => {
  it('reads used_memory and maxmemory (0 when unset), not their _human or _peak cousins', () => {
    const info = '# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\nused_memory_peak:9999999\r\nmaxmemory:4194304\r\nmaxmemory_human:4.00M\r\n';
    expect(parseMemoryInfo(info)).toEqual({ usedBytes: 1048576, maxBytes: 4194304 });
    expect(parseMemoryInfo('used_memory:10\r\nmaxmemory:0\r\n')).toEqual({ usedBytes: 10, maxBytes: 0 });
  });
});

describe('configuredChannels', () => {
  it('turns on each channel its setting names, in a fixed order; none without settings', () => {
    expect(configuredChannels({})).toEqual([]);
    const all = configuredChannels({
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/secret',
      ALERT_WEBHOOK_URL: 'https://ops.example.com/hooks/x?token=y',
      ALERT_WEBHOOK_SECRET: 'a-secret-of-16-chars',
      OPS_EMAILS: ['a@example.com', 'b@example.com'],
    });
    expect(all.map((c) => c.channel)).toEqual(['slack', 'webhook', 'email']);
    // Webhook URLs are credentials: only the host shows.
    expect(all.map(describeTarget)).toEqual(['hooks.slack.com', 'ops.example.com (signed)', 'a@example.com, b@example.com']);
    expect(describeTarget({ channel: 'webhook', url: 'http://127.0.0.1:9/x' })).toBe('127.0.0.1:9 (unsigned: set ALERT_WEBHOOK_SECRET)');
  });
});
