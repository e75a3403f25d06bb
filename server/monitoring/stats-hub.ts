import type { Overview } from '../../shared/queues.ts';

type Listener = (overview: Overview) => void;

/**
 * One Redis poll shared by every live subscriber: it runs while anyone listens and stops when the
 * last one leaves. A new subscriber gets the latest reading at once.
 */
export class StatsHub {
  private readonly listeners = new Set<Listener>();
  private timer?: NodeJS.Timeout;
  private latest?: Overview;
  private polling = false;
  /** How many Redis polls have run (tests check that subscribers share them). */
  polls = 0;

  constructor(
    private readonly read: () => Promise<Overview>,
    private readonly intervalMs = 1500,
    private readonly onError?: (err: Error) => void,
  ) {}

  get subscriberCount(): number {
    return this.listeners.size;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (this.latest) listener(this.latest);
    if (!this.timer) {
      void this.poll();
      this.timer = setInterval(() => void this.poll(), this.intervalMs);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
        this.latest = undefined;
      }
    };
  }

  private async poll(): Promise<void> {
    if (this.polling) return; // a slow Redis must not pile up overlapping polls
    this.polling = true;
    try {
      this.polls++;
      const overview = await this.read();
      if (this.listeners.size === 0) return;
      this.latest = overview;
      for (const l of this.listeners) l(overview);
    } catch (err) {
      this.onError?.(err as Error);
    } finally {
      this.polling = false;
    }
  }

  /** The readings as an async iterable that ends when `signal` aborts (tRPC subscriptions). */
  async *stream(signal?: AbortSignal): AsyncGenerator<Overview> {
    const queue: Overview[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = this.subscribe((o) => {
      queue.length = 0; // only the newest reading matters to a slow client
      queue.push(o);
      wake?.();
    });
    const onAbort = () => wake?.();
    signal?.addEventListener('abort', onAbort);
    try {
      while (!signal?.aborted) {
        if (queue.length === 0) await new Promise<void>((r) => (wake = r));
        wake = undefined;
        const next = queue.shift();
        if (next) yield next;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      unsubscribe();
    }
  }
}
