import { NOTIFICATION_CHANNELS, type NotificationChannel } from '../../../shared/jobs.ts';
import type { ChannelDelivery } from '../../../shared/notifications.ts';
import type { Redis } from '../../redis.ts';

/**
 * Each channel's last delivery attempt, in one small Redis hash (field: channel, value: JSON): every
 * worker process writes it, the console reads it.
 */
export class DeliveryLog {
  private readonly key: string;

  constructor(
    private readonly connection: Redis,
    prefix: string,
  ) {
    this.key = `${prefix}:notify:last`;
  }

  async record(channel: NotificationChannel, delivery: ChannelDelivery): Promise<void> {
    await this.connection.hset(this.key, channel, JSON.stringify(delivery));
  }

  async read(): Promise<Partial<Record<NotificationChannel, ChannelDelivery>>> {
    const raw = await this.connection.hgetall(this.key);
    const out: Partial<Record<NotificationChannel, ChannelDelivery>> = {};
    for (const channel of NOTIFICATION_CHANNELS) {
      if (!raw[channel]) continue;
      try {
        out[channel] = JSON.parse(raw[channel]) as ChannelDelivery;
      } catch {
        // A value no version of this code wrote: shown as no delivery rather than failing the page.
      }
    }
    return out;
  }
}
