import express, { type Request, type Response } from 'express';
import { loginInputSchema, type User } from '../../shared/auth.ts';
import { inviteAcceptInputSchema } from '../../shared/users.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import type { LoginLimiter } from '../auth/rate-limit.ts';
import { AppError, fieldErrorsOf } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { STATUS_BY_CODE, sendError } from './errors.ts';
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

/** The limiter's name for invite acceptance: failures (unknown links) count per address like sign-ins. */
const INVITE_LIMIT_KEY = 'invite:accept';

/**
 * Signs the browser in as `user`: a new session id (no fixation), the old session this browser carried ended.
 * Used by password sign-in and invite acceptance; the OIDC callback does the same with `startSession`.
 */
export async function startSession(auth: Authenticator, req: Request, res: Response, user: User) {
  const previous = req.sessionId;
  if (previous) await auth.sessions.destroy(previous);
  const { via: _via, token: _token, ...stored } = user;
  const { id, session } = await auth.sessions.create(stored);
  res.setHeader('Set-Cookie', cookie(req, id, auth.sessions.ttlSec));
  return session;
}

/**
 * POST /login, POST /logout, GET /me, GET /options (what the sign-in page offers), GET /invites/:token and
 * POST /invites/accept (the accept-invite page).
 */
export function authRoutes(deps: AuthRouteDeps): express.Router {
  const router = express.Router();
  const { auth } = deps;

  /** Refused before anything is checked once the address (or this name) is at its limit; else counts as a failure. */
  async function limited(res: Response, ip: string, key: string): Promise<boolean> {
    const limit = await deps.loginLimiter.attempt(ip, key);
    if (limit.allowed) return false;
    res.setHeader('Retry-After', String(limit.retryAfterSec));
    sendError(res, 429, 'TOO_MANY_ATTEMPTS', `Too many failed sign-ins; try again in ${limit.retryAfterSec} s`);
    return true;
  }

  router.post('/login', async (req: Request, res: Response) => {
    // Login CSRF: a foreign page must not sign a browser into our console.
    if (req.headers.origin && !isSameOrigin(req)) return sendError(res, 403, 'CSRF', 'Cross-site request refused');
    const ip = clientIp(req);
    const parsed = loginInputSchema.safeParse(req.body);
    if (!parsed.success) return sendError(res, 400, 'BAD_REQUEST', 'Username and password are required', fieldErrorsOf(parsed.error));
    const { password } = parsed.data;
    const username = parsed.data.username.toLowerCase();
    // Refused before the password is checked once the address or this user is at its limit; otherwise the attempt
    // counts as a failure until the password turns out right (a success clears this user's count only).
    if (await limited(res, ip, username)) return;
    // Wrong password, unknown email and disabled account get the same answer: it tells no account apart.
    const user = await auth.checkPassword(username, password);
    if (!user) {
      (req.log ?? deps.log).warn({ ip, username }, 'Failed sign-in');
      return sendError(res, 401, 'INVALID_CREDENTIALS', 'Wrong username or password');
    }
    const session = await startSession(auth, req, res, user);
    await deps.loginLimiter.succeeded(ip, username);
    (req.log ?? deps.log).info({ ip, user: user.name, userId: user.id }, 'Signed in');
    res.json({ success: true, data: { user: session.user, expiresAt: session.expiresAt } });
  });

  router.post('/logout', async (req: Request, res: Response) => {
    if (req.sessionId) await auth.sessions.destroy(req.sessionId);
    res.setHeader('Set-Cookie', cookie(req, '', 0));
    res.json({ success: true, data: { signedOut: true } });
  });

  router.get('/me', (req: Request, res: Response) => {
    if (!req.user) return sendError(res, 401, 'UNAUTHORIZED', 'Not signed in');
    res.json({ success: true, data: { user: req.user, viewerLogin: auth.viewerLoginEnabled } });
  });

  /** Public: the sign-in page asks what to offer before anyone is signed in. */
  router.get('/options', (_req: Request, res: Response) => {
    res.json({ success: true, data: { sso: auth.sso, viewerLogin: auth.viewerLoginEnabled } });
  });

  router.get('/invites/:token', async (req: Request, res: Response) => {
    const token = String(req.params.token);
    const info = token.length <= 200 ? await auth.users.inviteInfo(token) : undefined;
    if (!info) return sendError(res, 404, 'NOT_FOUND', 'This invite link is unknown, used or expired; ask an admin for a new one');
    res.json({ success: true, data: info });
  });

  router.post('/invites/accept', async (req: Request, res: Response) => {
    if (req.headers.origin && !isSameOrigin(req)) return sendError(res, 403, 'CSRF', 'Cross-site request refused');
    const ip = clientIp(req);
    const parsed = inviteAcceptInputSchema.safeParse(req.body);
    if (!parsed.success) {
      const fieldErrors = fieldErrorsOf(parsed.error);
      return sendError(res, 400, 'BAD_REQUEST', `Invalid request: ${Object.keys(fieldErrors).join(', ')}`, fieldErrors);
    }
    // Unknown links count as failed sign-ins: guessing links is guessing passwords.
    if (await limited(res, ip, INVITE_LIMIT_KEY)) return;
    let user: User;
    try {
      user = await auth.users.acceptInvite(parsed.data);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      // The link was good (only a good link gets as far as the password rules): that was no guess.
      if (err.code === 'INVALID_INPUT' || err.code === 'USER_EXISTS') await deps.loginLimiter.succeeded(ip, INVITE_LIMIT_KEY);
      return sendError(res, STATUS_BY_CODE[err.code], err.code, err.message, err.fieldErrors);
    }
    const session = await startSession(auth, req, res, user);
    await deps.loginLimiter.succeeded(ip, INVITE_LIMIT_KEY);
    (req.log ?? deps.log).info({ ip, user: user.name, userId: user.id }, 'Invite accepted; signed in');
    res.json({ success: true, data: { user: session.user, expiresAt: session.expiresAt } });
  });

  return router;
}
