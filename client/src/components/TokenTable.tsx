import { useState } from 'react';
import type { ApiTokenView } from '../../../shared/users.ts';
import { useActionMutation } from '../hooks/useActionMutation.ts';
import { ROLE_COLORS } from '../lib/roles.ts';
import { useTRPC } from '../trpc.ts';
import { ConfirmDialog, type ConfirmRequest } from './ConfirmDialog.tsx';
import { Badge, Button, Table, TimeCell } from './ui.tsx';

export type TokenStatus = 'active' | 'revoked' | 'expired';

export function tokenStatus(t: ApiTokenView, now: number): TokenStatus {
  if (t.revokedAt !== null) return 'revoked';
  if (t.expiresAt !== null && t.expiresAt <= now) return 'expired';
  return 'active';
}

/**
 * Personal API tokens as a table (name, prefix, role, created, expires, last used, status). With `canRevoke`, an
 * active token has a Revoke button: a confirmation first, then `tokens.revoke` (the owner's own, or an admin anyone's).
 * `owner` names whose tokens they are when they are not the viewer's own (the admin's Users page).
 */
export function TokenTable({ tokens, testId, canRevoke = false, owner }: { tokens: ApiTokenView[]; testId: string; canRevoke?: boolean; owner?: string }) {
  const trpc = useTRPC();
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const revoke = useActionMutation(trpc.tokens.revoke.mutationOptions(), {
    success: () => 'Token revoked: it stops working at once',
    // Every tokens.list (one's own, or any user's on the Users page) may hold it.
    invalidates: [trpc.tokens.pathFilter()],
  });
  const now = Date.now();

  function ask(t: ApiTokenView) {
    setConfirm({
      title: owner ? `Revoke ${owner}’s token “${t.name}”?` : `Revoke the token “${t.name}”?`,
      danger: true,
      body: `Every script using ${t.prefix}… gets 401 Unauthorized from its next request on. This cannot be undone; ${
        owner ? `${owner} can create a new token to replace it` : 'create a new token to replace it'
      }.`,
      confirmLabel: 'Revoke token',
      onConfirm: () => revoke.mutate({ id: t.id }),
    });
  }

  return (
    <>
      <Table testId={testId} columns={['Name', 'Token', 'Role', 'Created', 'Expires', 'Last used', 'Status', '']}>
        {tokens.map((t) => {
          const status = tokenStatus(t, now);
          return (
            <tr key={t.id} data-testid={`token-${t.name}`}>
              <th scope="row" className="px-3 py-2 text-left font-medium">
                {t.name}
              </th>
              <td className="px-3 py-2 font-mono text-xs">{t.prefix}…</td>
              <td className="px-3 py-2">
                <Badge color={ROLE_COLORS[t.role]}>{t.role}</Badge>
              </td>
              <TimeCell at={t.createdAt} />
              <TimeCell at={t.expiresAt} none="never" />
              <TimeCell at={t.lastUsedAt} none="never" />
              <td className="px-3 py-2">
                <Badge color={status === 'active' ? 'green' : status === 'expired' ? 'amber' : 'gray'}>{status}</Badge>
              </td>
              <td className="px-3 py-2 text-right">
                {canRevoke && status === 'active' && (
                  <Button
                    variant="ghost"
                    disabled={revoke.isPending}
                    aria-label={owner ? `Revoke ${t.name} of ${owner}` : `Revoke ${t.name}`}
                    onClick={() => ask(t)}
                  >
                    Revoke
                  </Button>
                )}
              </td>
            </tr>
          );
        })}
      </Table>
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </>
  );
}
