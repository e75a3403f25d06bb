import { Badge } from './ui.tsx';

/**
 * A queue's state beside its name: paused, "No workers" when no live worker serves it (red while jobs wait),
 * else running. `workers` undefined (not read yet) shows running, as before heartbeats existed.
 */
export function QueueStatusBadge({ isPaused, waiting, workers }: { isPaused: boolean; waiting: number; workers: number | undefined }) {
  if (isPaused) return <Badge color="amber">paused</Badge>;
  if (workers === 0) return <Badge color={waiting > 0 ? 'red' : 'gray'}>No workers</Badge>;
  return <Badge color="green">running</Badge>;
}
