import express, { type Request, type Response } from 'express';
import { loginInputSchema } from '../../shared/auth.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import type { LoginLimiter } from '../auth/rate-limit.ts';
import { fieldErrorsOf } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { sendError } from './errors.ts';
import { SESSION_COOKIE, clientIp, isSameOrigin } from './middleware/auth.ts';

export interface AuthRouteDeps {
  auth: Authenticator;
  loginLimiter: LoginLimiter;
  log: Logger;
}

function cookie(req: Request, value: string, maxAgeSec: number): string {
  const parts = [`${SESSION_COOKIE}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSec}`];
  if (req.secure) parts.push('Secure');
  return parts.join('; ');
}

/** POST /api/auth/login, POST /api/auth/logout, GET /api/auth/me. */
export function authRoutes(deps: AuthRouteDeps): express.Router {
  const router = express.Router();

  router.post('/login', async (req: Request, res: Response) => {
    // Login CSRF: a foreign page must not sign a browser into our console.
    if (req.headers.origin && !isSameOrigin(req)) return sendError(res, 403, 'CSRF', 'Cross-site request refused');
    const ip = clientIp(req);
    const parsed = loginInputSchema.safeParse(req.body);
    if (!parsed.success) return sendError(res, 400, 'BAD_REQUEST', 'Username and password are required', fieldErrorsOf(parsed.error));
    const { username, password } = parsed.data;
    // Refused before the password is checked once the address or this user is at its limit; otherwise the attempt
    // counts as a failure until the password turns out right (a success clears this user's count only).
    const limit = await deps.loginLimiter.attempt(ip, username);
    if (!limit.allowed) {
      res.setHeader('Retry-After', String(limit.retryAfterSec));
      return sendError(res, 429, 'TOO_MANY_ATTEMPTS', `Too many failed sign-ins; try again in ${limit.retryAfterSec} s`);
    }
    const user = await deps.auth.checkPassword(username, password);
    if (!user) {
      (req.log ?? deps.log).warn({ ip, username }, 'Failed sign-in');
      return sendError(res, 401, 'INVALID_CREDENTIALS', 'Wrong username or password');
    }
    // A new id at every login; an old session this browser carried is ended.
    const previous = req.sessionId;
    if (previous) await deps.auth.sessions.destroy(previous);
    const { id, session } = await deps.auth.sessions.create({ name: user.name, role: user.role });
    await deps.loginLimiter.succeeded(ip, username);
    res.setHeader('Set-Cookie', cookie(req, id, deps.auth.sessions.ttlSec));
    (req.log ?? deps.log).info({ ip, user: user.name }, 'Signed in');
    res.json({ success: true, data: { user: session.user, expiresAt: session.expiresAt } });
  });

  router.post('/logout', async (req: Request, res: Response) => {
    if (req.sessionId) await deps.auth.sessions.destroy(req.sessionId);
    res.setHeader('Set-Cookie', cookie(req, '', 0));
    res.json({ success: true, data: { signedOut: true } });
  });

  router.get('/me', (req: Request, res: Response) => {
    if (!req.user) return sendError(res, 401, 'UNAUTHORIZED', 'Not signed in');
    res.json({ success: true, data: { user: req.user, viewerLogin: deps.auth.viewerLoginEnabled } });
  });

  return router;
}
