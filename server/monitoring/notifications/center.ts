import type { NotificationChannelStatus } from '../../../shared/notifications.ts';
import type { Redis } from '../../redis.ts';
import { configuredChannels, describeTarget, type NotificationConfig } from './channels.ts';
import { DeliveryLog } from './delivery-log.ts';
import { createNotifier, type NotifierDeps } from './notifier.ts';

/** What the console needs of notifications: each channel's state, and a test to every one. */
export interface NotificationCenter {
  status(): Promise<NotificationChannelStatus[]>;
  /** Queues a test notification to every configured channel; none configured: nothing queued. */
  sendTest(requestedBy: string): Promise<{ id: string | null; jobIds: string[] }>;
}

export function createNotificationCenter(deps: {
  config: NotificationConfig & { QUEUE_PREFIX: string };
  connection: Redis;
  addJob: NotifierDeps['addJob'];
}): NotificationCenter {
  const channels = configuredChannels(deps.config);
  const deliveries = new DeliveryLog(deps.connection, deps.config.QUEUE_PREFIX);
  const notifier = createNotifier({ addJob: deps.addJob, channels });
  return {
    async status() {
      const last = channels.length ? await deliveries.read() : {};
      return channels.map((t) => ({ channel: t.channel, target: describeTarget(t), last: last[t.channel] ?? null }));
    },
    async sendTest(requestedBy) {
      if (channels.length === 0) return { id: null, jobIds: [] };
      return notifier.sendTest(requestedBy);
    },
  };
}
