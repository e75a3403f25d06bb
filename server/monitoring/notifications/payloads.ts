import { createHmac } from 'node:crypto';
import type { AlertJobData, EmailJobData } from '../../../shared/jobs.ts';

/** An alerts job that delivers a notification (see notificationSchema in shared/jobs.ts). */
export type Notice = AlertJobData & { notification: NonNullable<AlertJobData['notification']> };

/** "[HIGH]", "[RESOLVED]", "[TEST]": the word that leads every subject and fallback text. */
function label(n: Notice): string {
  if (n.notification.event === 'resolved') return 'RESOLVED';
  if (n.notification.event === 'test') return 'TEST';
  return n.severity;
}

/** One line: what a lock screen, a mail list or a log shows. */
export function noticeSummary(n: Notice): string {
  return `[${label(n)}] ${n.alertType}: ${n.message}`;
}

/** Slack's text (mrkdwn, and the top-level `text`) treats only &, < and > as control characters: escaped, nothing else. */
const mrkdwn = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

const EMOJI = { raised: { CRITICAL: ':rotating_light:', HIGH: ':warning:', MEDIUM: ':large_yellow_circle:', LOW: ':information_source:' } } as const;

/**
 * A Slack incoming-webhook message: Block Kit `blocks` (header, the message, the facts, a link) and
 * `text`, which Slack shows in notifications and wherever blocks cannot be (its fallback).
 */
export function slackMessage(n: Notice, consoleUrl: string): { text: string; blocks: unknown[] } {
  const { event } = n.notification;
  const emoji = event === 'resolved' ? ':white_check_mark:' : event === 'test' ? ':bell:' : EMOJI.raised[n.severity];
  const title = event === 'resolved' ? `Resolved: ${n.alertType}` : event === 'test' ? 'Test notification' : `${n.severity}: ${n.alertType}`;
  const unix = Math.floor(Date.parse(n.notification.at) / 1000);
  const queue = typeof n.metadata.queue === 'string' ? n.metadata.queue : undefined;
  const fields = [
    { type: 'mrkdwn', text: `*Severity*\n${n.severity}` },
    ...(queue ? [{ type: 'mrkdwn', text: `*Queue*\n${mrkdwn(queue)}` }] : []),
    {
      type: 'mrkdwn',
      text: `*${event === 'resolved' ? 'Resolved' : event === 'test' ? 'Sent' : 'Raised'}*\n<!date^${unix}^{date_short_pretty} {time}|${n.notification.at}>`,
    },
    ...(n.notification.key ? [{ type: 'mrkdwn', text: `*Condition*\n\`${mrkdwn(n.notification.key)}\`` }] : []),
  ];
  return {
    text: cut(mrkdwn(noticeSummary(n)), 3000),
    blocks: [
      // Header text is plain_text of at most 150 characters; section text 3000, fields 2000 each.
      { type: 'header', text: { type: 'plain_text', text: cut(`${emoji} ${title}`, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: cut(mrkdwn(event === 'resolved' ? `Cleared: ${n.message}` : n.message), 3000) } },
      { type: 'section', fields },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `BizInsights Jobs · <${consoleUrl}/alerts|Open the Alerts page> · ${mrkdwn(n.notification.id)}` }],
      },
    ],
  };
}

/**
 * The signed webhook's body, as exact bytes: the signature covers this string, and a retry sends the
 * same one (the job carries the event's time), so receivers dedupe on `id`.
 */
export function webhookBody(n: Notice, consoleUrl: string): string {
  const { notification: m } = n;
  return JSON.stringify({
    id: m.id,
    type: `alert.${m.event}`,
    timestamp: m.at,
    alert: {
      id: m.alertId ?? null,
      key: m.key ?? null,
      type: n.alertType,
      severity: n.severity,
      message: n.message,
      queue: typeof n.metadata.queue === 'string' ? n.metadata.queue : null,
      metadata: n.metadata,
    },
    consoleUrl: `${consoleUrl}/alerts`,
    source: 'bizinsights-jobs',
  });
}

/** `sha256=<hex HMAC-SHA256 of the body>`, GitHub's form: receivers recompute and compare in constant time. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** The alert-notification email to one address (the template exists for organization alerts too). */
export function noticeEmail(n: Notice, to: string, consoleUrl: string): EmailJobData {
  const { event } = n.notification;
  return {
    to,
    subject: cut(noticeSummary(n), 200),
    template: 'alert-notification',
    data: {
      alertType: event === 'resolved' ? `${n.alertType} (resolved)` : n.alertType,
      severity: n.severity,
      message: event === 'resolved' ? `Cleared: ${n.message}` : n.message,
      alertUrl: `${consoleUrl}/alerts`,
      metadata: { ...n.metadata, ...(n.notification.key ? { condition: n.notification.key } : {}), at: n.notification.at, notificationId: n.notification.id },
    },
  };
}
