import { useSyncExternalStore } from 'react';
import { connectionState, subscribeConnection } from '../api/connection-monitor.ts';
import type { ConnectionState } from '../api/connection-state.ts';

/** The console's connection as the outage banner shows it; keeps the /healthz poll running while mounted. */
export function useConnection(): ConnectionState {
  return useSyncExternalStore(subscribeConnection, connectionState);
}
