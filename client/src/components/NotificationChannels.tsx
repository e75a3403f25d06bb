import { useQuery } from '@tanstack/react-query';
import { CHANNEL_SETTINGS } from '../../../shared/notifications.ts';
import { useActionMutation } from '../hooks/useActionMutation.ts';
import { useAuth } from '../hooks/useAuth.tsx';
import { formatRelative, formatTime, plural } from '../lib/format.ts';
import { useTRPC } from '../trpc.ts';
import { Badge, Button, Card, ErrorBox, Skeleton } from './ui.tsx';

const CHANNEL_NAMES = { slack: 'Slack', webhook: 'Webhook', email: 'Email' } as const;

/**
 * Where queue-health alerts are sent (Slack, the signed webhook, the ops emails), each channel's last
 * delivery, and for admins a test notification to all of them. With none configured, how to add one.
 */
export function NotificationChannels() {
  const trpc = useTRPC();
  const canTest = useAuth().can('admin');
  const q = useQuery(trpc.alerts.notificationChannels.queryOptions(undefined, { refetchInterval: 10_000 }));
  const sendTest = useActionMutation(trpc.alerts.sendTestNotification.mutationOptions(), {
    success: (r) => `Test notification queued for ${plural(r.jobIds.length, 'channel', 'channels')}`,
    invalidates: [trpc.alerts.notificationChannels.pathFilter()],
  });
  const channels = q.data ?? [];
  return (
    <Card
      title="Notifications"
      actions={
        canTest && channels.length > 0 ? (
          <Button disabled={sendTest.isPending} onClick={() => sendTest.mutate()}>
            Send test notification
          </Button>
        ) : undefined
      }
    >
      {q.error ? (
        <ErrorBox error={q.error} />
      ) : q.data === undefined ? (
        <Skeleton className="h-16" />
      ) : channels.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-300" data-testid="notifications-unconfigured">
          Queue-health alerts are not sent anywhere yet. Set {CHANNEL_SETTINGS.slack} (a Slack incoming webhook), {CHANNEL_SETTINGS.webhook} or{' '}
          {CHANNEL_SETTINGS.email} (comma-separated) in the environment of the server and worker processes, then restart them.
        </p>
      ) : (
        <ul className="divide-y divide-slate-100 text-sm dark:divide-slate-800" data-testid="notification-channels">
          {channels.map((c) => (
            <li key={c.channel} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2" data-testid={`channel-${c.channel}`}>
              <span className="w-20 font-medium">{CHANNEL_NAMES[c.channel]}</span>
              <span className="font-mono text-xs text-slate-500 dark:text-slate-400">{c.target}</span>
              <span className="ml-auto flex items-center gap-2">
                {c.last === null ? (
                  <span className="text-slate-500 dark:text-slate-400">No delivery yet</span>
                ) : (
                  <>
                    <Badge color={c.last.ok ? 'green' : c.last.final ? 'red' : 'amber'}>
                      {/* An email channel's delivery is queueing the emails; the Outbox shows their sending. */}
                      {c.last.ok ? (c.channel === 'email' ? 'queued' : 'delivered') : c.last.final ? 'failed' : 'retrying'}
                    </Badge>
                    <span title={formatTime(c.last.at)}>{formatRelative(c.last.at)}</span>
                    <span className="text-xs text-slate-500 dark:text-slate-400">
                      {c.last.event} {c.last.alertType}
                      {c.last.attempt > 1 ? `, attempt ${c.last.attempt}` : ''}
                    </span>
                  </>
                )}
              </span>
              {c.last?.error && <span className="w-full text-xs text-red-700 dark:text-red-400">{c.last.error}</span>}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
