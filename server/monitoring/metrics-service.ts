import type { MetricRange } from '../../shared/api.ts';
import { QUEUE_NAMES, type QueueName } from '../../shared/queues.ts';
import type { DepthHistory } from './depth-history.ts';
import { readRate, readTotalThroughput, type MetricsSource } from './throughput.ts';

export interface MetricsServiceDeps {
  source: MetricsSource;
  depth: Pick<DepthHistory, 'read'>;
  now?: () => number;
}

/** The console's charts and rates: one queue's figures, or every queue's summed. */
export class MetricsService {
  constructor(private readonly deps: MetricsServiceDeps) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** Completed and failed per bucket (one queue, or all summed) over 1 h / 24 h / 7 d. */
  async throughput(range: MetricRange, queue?: QueueName) {
    const { bucketMinutes, points } = await readTotalThroughput(this.deps.source, queue ? [queue] : QUEUE_NAMES, range, this.now());
    return { range, bucketMinutes, points };
  }

  /** Per queue: jobs finished per minute over the last 5 minutes (the overview cards' rate). */
  async rates() {
    const now = this.now();
    const rates = await Promise.all(QUEUE_NAMES.map((q) => readRate(this.deps.source, q, 5, now)));
    return Object.fromEntries(QUEUE_NAMES.map((q, i) => [q, rates[i]]));
  }

  /** Waiting, active and failed over time, from the sampled depth history. */
  async depth(range: MetricRange, queue?: QueueName) {
    return { range, points: await this.deps.depth.read(range, queue) };
  }
}
