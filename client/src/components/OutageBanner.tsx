import { clockTime } from '../api/connection-state.ts';
import { useConnection } from '../hooks/useConnection.ts';

/**
 * The red line at the top during an outage: what is unreachable and since when. It goes by itself once /healthz
 * says all is back (the console then refetches what it shows).
 */
export function OutageBanner() {
  const connection = useConnection();
  if (connection.status === 'ok') return null;
  const what = connection.status === 'redis-down' ? 'Redis unreachable' : 'Server unreachable';
  return (
    <div role="alert" data-testid="outage-banner" data-outage={connection.status} className="bg-red-700 px-4 py-2 text-sm text-white">
      <strong className="font-semibold">
        {what} since <time dateTime={new Date(connection.since).toISOString()}>{clockTime(connection.since)}</time>
      </strong>
      <span> · the numbers shown are from before and actions will fail until it is back. Checking every few seconds; this clears by itself.</span>
    </div>
  );
}
