import type { User } from '../../shared/auth.ts';
import type { AuditEntry } from '../../shared/audit.ts';

/** Who did it, as an audit entry names them: the person (id, email, display name) and the token they used, if any. */
export type ActorFields = Pick<AuditEntry, 'user' | 'userId' | 'email' | 'tokenName' | 'role' | 'via' | 'ip' | 'source'>;

/** The entry's "who" from the signed-in user; absent fields are left out rather than written as undefined. */
export function actorFields(actor: { user: User; ip: string; source: AuditEntry['source'] }): ActorFields {
  const { user } = actor;
  return {
    user: user.name,
    ...(user.id ? { userId: user.id } : {}),
    ...(user.email ? { email: user.email } : {}),
    ...(user.token ? { tokenName: user.token.name } : {}),
    role: user.role,
    via: user.via,
    ip: actor.ip,
    source: actor.source,
  };
}
