import type { NotificationChannel } from '../../../shared/jobs.ts';
import type { Config } from '../../config.ts';

/** A configured notification channel and where it delivers. */
export type ChannelTarget = { channel: 'slack'; url: string } | { channel: 'webhook'; url: string; secret?: string } | { channel: 'email'; to: string[] };

export type NotificationConfig = Pick<Config, 'SLACK_WEBHOOK_URL' | 'ALERT_WEBHOOK_URL' | 'ALERT_WEBHOOK_SECRET' | 'OPS_EMAILS'>;

/** The channels configuration turns on, in a fixed order (Slack, webhook, email). */
export function configuredChannels(c: NotificationConfig): ChannelTarget[] {
  const out: ChannelTarget[] = [];
  if (c.SLACK_WEBHOOK_URL) out.push({ channel: 'slack', url: c.SLACK_WEBHOOK_URL });
  if (c.ALERT_WEBHOOK_URL) out.push({ channel: 'webhook', url: c.ALERT_WEBHOOK_URL, secret: c.ALERT_WEBHOOK_SECRET });
  if (c.OPS_EMAILS?.length) out.push({ channel: 'email', to: c.OPS_EMAILS });
  return out;
}

export function channelTarget(channels: ChannelTarget[], channel: NotificationChannel): ChannelTarget | undefined {
  return channels.find((t) => t.channel === channel);
}

/**
 * Where a channel goes, for the console: a webhook URL's path is a credential (Slack's is the whole
 * secret), so only its host shows.
 */
export function describeTarget(t: ChannelTarget): string {
  if (t.channel === 'email') return t.to.join(', ');
  const host = new URL(t.url).host;
  return t.channel === 'webhook' ? `${host} (${t.secret ? 'signed' : 'unsigned: set ALERT_WEBHOOK_SECRET'})` : host;
}
