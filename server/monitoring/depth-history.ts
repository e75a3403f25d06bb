import type { Redis } from '../redis.ts';
import type { MetricRange } from '../../shared/api.ts';
import type { Overview, QueueName } from '../../shared/queues.ts';

export interface DepthPoint {
  t: number;
  waiting: number;
  active: number;
  failed: number;
}

/** Two resolutions, each a capped Redis list: fine for an hour or a day, coarse for a week. */
const TIERS = [
  { name: 'fine', everyMs: 10_000, keepMs: 24 * 3600_000 },
  { name: 'coarse', everyMs: 5 * 60_000, keepMs: 7 * 24 * 3600_000 },
] as const;
const RANGE_MS: Record<MetricRange, number> = { '1h': 3600_000, '24h': 24 * 3600_000, '7d': 7 * 24 * 3600_000 };
const MAX_POINTS = 360;

type Sample = { t: number; q: Record<string, [number, number, number]> };

/**
 * Queue depth over time (waiting, active, failed), sampled by whichever server process gets to a
 * time slot first (SET NX per slot), kept in capped lists so it stays bounded in Redis.
 */
export class DepthHistory {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly readOverview: () => Promise<Overview>,
  ) {}

  private listKey(tier: string) {
    return `${this.keyPrefix}:depth:${tier}`;
  }

  /** Records one sample in every tier whose slot for `now` is still free. */
  async sample(now = Date.now()): Promise<number> {
    let written = 0;
    let overview: Overview | undefined;
    for (const tier of TIERS) {
      const slot = Math.floor(now / tier.everyMs);
      const claimed = await this.redis.set(`${this.listKey(tier.name)}:slot:${slot}`, '1', 'PX', tier.everyMs * 2, 'NX');
      if (!claimed) continue;
      overview ??= await this.readOverview();
      const sample: Sample = {
        t: slot * tier.everyMs,
        q: Object.fromEntries(overview.queues.map((q) => [q.name, [q.stats.waiting + q.stats.paused, q.stats.active, q.stats.failed]])),
      };
      const key = this.listKey(tier.name);
      await this.redis
        .multi()
        .lpush(key, JSON.stringify(sample))
        .ltrim(key, 0, Math.ceil(tier.keepMs / tier.everyMs) - 1)
        .exec();
      written++;
    }
    return written;
  }

  start(intervalMs = TIERS[0].everyMs, onError?: (err: Error) => void): void {
    if (this.timer) return;
    const tick = () => void this.sample().catch((err: Error) => onError?.(err));
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One queue's (or the sum of all queues') depth over the range, oldest first, at most MAX_POINTS. */
  async read(range: MetricRange, queue?: QueueName, now = Date.now()): Promise<DepthPoint[]> {
    const tier = range === '7d' ? TIERS[1] : TIERS[0];
    const count = Math.ceil(RANGE_MS[range] / tier.everyMs);
    const raw = await this.redis.lrange(this.listKey(tier.name), 0, count - 1);
    const since = now - RANGE_MS[range];
    const points = raw
      .map((r) => JSON.parse(r) as Sample)
      .filter((s) => s.t >= since)
      .reverse()
      .map((s) => {
        const rows = queue ? [s.q[queue] ?? [0, 0, 0]] : Object.values(s.q);
        return rows.reduce<DepthPoint>((p, [w, a, f]) => ({ t: p.t, waiting: p.waiting + w, active: p.active + a, failed: p.failed + f }), {
          t: s.t,
          waiting: 0,
          active: 0,
          failed: 0,
        });
      });
    return downsample(points, MAX_POINTS);
  }
}

/** Keeps every k-th point (the last one always), enough for a chart of a gauge. */
export function downsample<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  if (max <= 1) return points.slice(-Math.max(0, max));
  // Spread over the gaps between first and last, so first + every k-th + last never exceeds max.
  const step = Math.ceil((points.length - 1) / (max - 1));
  return points.filter((_, i) => i % step === 0 || i === points.length - 1);
}
