import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { roleAtLeast, type Role, type User } from '../../../shared/auth.ts';
import type { Authenticator } from '../../auth/authenticator.ts';
import { sendError } from '../errors.ts';

declare module 'express-serve-static-core' {
  interface Request {
    user?: User;
    sessionId?: string;
  }
}

export const SESSION_COOKIE = 'bj_session';

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined; // a mangled cookie is no cookie, not a 500
      }
    }
  }
  return undefined;
}

/** Sets req.user from `Authorization: Bearer …` or the session cookie; never refuses by itself. */
export function authenticate(auth: Authenticator): RequestHandler {
  return async (req, _res, next) => {
    try {
      const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
      if (bearer) {
        const found = auth.fromBearer(bearer);
        req.user = found instanceof Promise ? await found : found;
        return next();
      }
      const sid = readCookie(req, SESSION_COOKIE);
      if (sid) {
        req.user = await auth.fromSession(sid);
        if (req.user) req.sessionId = sid;
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}

const SIGN_IN = 'Sign in or send an API token (Authorization: Bearer …)';

export function requireUser(req: Request, res: Response, next: NextFunction): void {
  if (!req.user) {
    sendError(res, 401, 'UNAUTHORIZED', SIGN_IN);
    return;
  }
  next();
}

/** 401 without a user, 403 naming the role when theirs is lower (tRPC's levels say the same: trpc/init.ts). */
export function requireRole(needed: Role): RequestHandler {
  return (req, res, next) => {
    if (!req.user) return sendError(res, 401, 'UNAUTHORIZED', SIGN_IN);
    if (!roleAtLeast(req.user.role, needed)) return sendError(res, 403, 'FORBIDDEN', `This action needs the ${needed} role`);
    next();
  };
}

export const requireOperator = requireRole('operator');
export const requireAdmin = requireRole('admin');

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF: a state change carried by the session cookie must come from our own origin. Browsers send
 * Origin on every cross-site POST and Sec-Fetch-Site on all requests; a request with neither and a
 * cookie is refused too. Bearer-token calls carry no ambient credential and are not checked.
 */
export function isSameOrigin(req: Request): boolean {
  const origin = req.headers.origin;
  if (origin) {
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }
  const site = req.headers['sec-fetch-site'];
  return site === 'same-origin' || site === 'none';
}

export function csrfGuard(req: Request, res: Response, next: NextFunction): void {
  if (!SAFE.has(req.method) && req.user?.via === 'session' && !isSameOrigin(req)) {
    sendError(res, 403, 'CSRF', 'Cross-site request refused');
    return;
  }
  next();
}

/** What TRUST_PROXY=true (or 1, yes, on) trusts: proxies on loopback and private networks, never a public address. */
export const PRIVATE_PROXIES = 'loopback, linklocal, uniquelocal';

/**
 * Express's `trust proxy` from TRUST_PROXY. X-Forwarded-For names the client only when the peer that sent it is a
 * trusted proxy. Express's own `true` (and a hop count) trusts whatever connects, so any client that reaches the
 * port directly could choose the address it is counted under: boolean-ish values mean PRIVATE_PROXIES instead.
 * A number from 2 up stays a hop count (only where nothing but the proxies reaches the port); anything else is a
 * list of addresses, subnets and names as Express reads it (e.g. `loopback, 10.0.0.0/8`).
 */
export function trustProxySetting(value: string | undefined): string | number | false {
  const v = value?.trim().toLowerCase() ?? '';
  if (['', '0', 'false', 'no', 'off'].includes(v)) return false;
  if (['1', 'true', 'yes', 'on'].includes(v)) return PRIVATE_PROXIES;
  return /^\d+$/.test(v) ? Number(v) : v;
}

/** The peer's address; behind trusted proxies (trustProxySetting), the nearest X-Forwarded-For address that is not one. */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
