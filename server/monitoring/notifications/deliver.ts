import { createHash } from 'node:crypto';
import type { EmailJobData, JobOptions } from '../../../shared/jobs.ts';
import type { ChannelDelivery } from '../../../shared/notifications.ts';
import { PermanentJobError, type ProcessorContext } from '../../jobs/contract.ts';
import { channelTarget, type ChannelTarget } from './channels.ts';
import { noticeEmail, signBody, slackMessage, webhookBody, type Notice } from './payloads.ts';

export interface NotificationDeliveryDeps {
  /** The channels this process's configuration turns on. */
  channels: ChannelTarget[];
  /** The console's address, for links. */
  consoleUrl: string;
  /** Queues an email (the email-sending queue); the job id keeps a retried notification from queueing it twice. */
  sendEmail(data: EmailJobData, opts: JobOptions): Promise<unknown>;
  /** Where each attempt's outcome goes (the Alerts page reads it). */
  record(channel: Notice['notification']['channel'], delivery: ChannelDelivery): Promise<void>;
  /** Per request; the alerts queue's own timeout (30 s) bounds the attempt too. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export type DeliveryResult = { channel: string; delivered: true; status?: number; emails?: number } | { channel: string; skipped: string };

/**
 * A receiver's answer: 2xx delivered; a 4xx other than 408 and 429 will not change on a retry (a bad
 * payload, a revoked or wrong URL) so it fails the job at once; 408, 429, 5xx and anything else are retried.
 */
export function outcomeOf(status: number): 'ok' | 'permanent' | 'retry' {
  if (status >= 200 && status < 300) return 'ok';
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return 'permanent';
  return 'retry';
}

const NAMES = { slack: 'Slack', webhook: 'Alert webhook', email: 'Email' } as const;

/** A network failure in words: fetch's TypeError hides the code (ECONNREFUSED…) in its cause. */
function networkError(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'timed out';
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

/**
 * The alerts processor's notification half: sends one notification to one channel. Slack and the
 * webhook are POSTed (the webhook signed); email queues one alert-notification email per address.
 * Every attempt's outcome is recorded for the console before the job succeeds, retries or fails.
 */
export function createNotificationDelivery(deps: NotificationDeliveryDeps) {
  const fetchFn = deps.fetch ?? fetch;
  const timeoutMs = deps.timeoutMs ?? 10_000;

  return async function deliverNotification(n: Notice, ctx: ProcessorContext): Promise<DeliveryResult> {
    const { channel } = n.notification;
    const target = channelTarget(deps.channels, channel);
    // Configured where the monitor ran but not here (or no longer): nothing to send to.
    if (!target) {
      ctx.log.warn({ channel, notificationId: n.notification.id }, 'Notification channel not configured in this worker process; skipped');
      return { channel, skipped: `${channel} is not configured in this worker process` };
    }
    const base = { attempt: ctx.attempt, event: n.notification.event, alertType: n.alertType, notificationId: n.notification.id };
    const record = (ok: boolean, final: boolean, error?: string) =>
      deps
        .record(channel, { at: Date.now(), ok, final, ...base, ...(error ? { error } : {}) })
        .catch((err: Error) => ctx.log.warn({ channel, err: err.message }, 'Could not record the notification delivery'));

    if (target.channel === 'email') {
      for (const to of target.to) {
        const digest = createHash('sha256').update(to.toLowerCase()).digest('hex').slice(0, 16);
        await deps.sendEmail(noticeEmail(n, to, deps.consoleUrl), { jobId: `notify-email-${n.notification.id}-${digest}` });
      }
      await record(true, true);
      return { channel, delivered: true, emails: target.to.length };
    }

    const body = target.channel === 'slack' ? JSON.stringify(slackMessage(n, deps.consoleUrl)) : webhookBody(n, deps.consoleUrl);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'BizInsights-Jobs-Notifier/1' };
    if (target.channel === 'webhook') {
      headers['x-notification-id'] = n.notification.id;
      headers['x-notification-timestamp'] = String(Math.floor(Date.parse(n.notification.at) / 1000));
      headers['x-delivery-attempt'] = String(ctx.attempt);
      if (target.secret) headers['x-signature-256'] = signBody(body, target.secret);
    }
    const lastAttempt = ctx.attempt >= ctx.maxAttempts;
    let res: Response;
    try {
      res = await fetchFn(target.url, { method: 'POST', headers, body, signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]) });
    } catch (err) {
      const error = `${NAMES[channel]} unreachable: ${networkError(err)}`;
      await record(false, lastAttempt, error);
      throw new Error(error);
    }
    const answer = (await res.text().catch(() => '')).trim().slice(0, 200);
    const outcome = outcomeOf(res.status);
    if (outcome === 'ok') {
      await record(true, true);
      return { channel, delivered: true, status: res.status };
    }
    const error = `${NAMES[channel]} answered ${res.status}${answer ? `: ${answer}` : ''}`;
    await record(false, outcome === 'permanent' || lastAttempt, error);
    throw outcome === 'permanent' ? new PermanentJobError(error) : new Error(error);
  };
}
