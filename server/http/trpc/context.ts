import type { Request } from 'express';
import type { User } from '../../../shared/auth.ts';
import type { ApiServices } from '../services.ts';
import { clientIp, isSameOrigin } from '../middleware/auth.ts';

export interface Context {
  user?: User;
  ip: string;
  /** The request came from the console's own origin (CSRF check for cookie-borne mutations). */
  sameOrigin: boolean;
  services: ApiServices;
  /** Reads that fast-queries.ts ran for this request and saw fail, by procedure path: the adapter answers with these. */
  failedReads?: ReadonlyMap<string, Error>;
}

/** Pure: tests build a context for any user and call procedures through createCaller. */
export function createContextInner(services: ApiServices, user: User | undefined, ip = 'local', sameOrigin = true): Context {
  return { user, ip, sameOrigin, services };
}

/** The HTTP context: authentication already ran (middleware) and left req.user. */
export function contextFromRequest(services: ApiServices) {
  return ({ req }: { req: Request }): Context => createContextInner(services, req.user, clientIp(req), isSameOrigin(req));
}
