import type { NotificationChannel, NotificationEvent } from './jobs.ts';

/** One attempt to deliver a notification to a channel, as the Alerts page shows the last one. */
export interface ChannelDelivery {
  /** Epoch ms of the attempt. */
  at: number;
  ok: boolean;
  /** Why it failed (the receiver's status and answer, or the network error). */
  error?: string;
  /** No retry follows: delivered, a permanent refusal, or the last attempt. */
  final: boolean;
  attempt: number;
  event: NotificationEvent;
  alertType: string;
  notificationId: string;
}

/** A configured channel: where it goes (secrets masked) and its last delivery, if any. */
export interface NotificationChannelStatus {
  channel: NotificationChannel;
  target: string;
  last: ChannelDelivery | null;
}

/** The settings that configure each channel, for the page's "how to" when none is. */
export const CHANNEL_SETTINGS: Record<NotificationChannel, string> = {
  slack: 'SLACK_WEBHOOK_URL',
  webhook: 'ALERT_WEBHOOK_URL (and ALERT_WEBHOOK_SECRET)',
  email: 'OPS_EMAILS',
};
