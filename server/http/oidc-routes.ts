import express, { type Request, type Response } from 'express';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Logger } from '../logger.ts';
import { LOGIN_STATE_TTL_SEC } from '../oidc/login-state.ts';
import { type OidcLogin, OidcLoginError, newBrowserBinding } from '../oidc/oidc-login.ts';
import { startSession } from './auth-routes.ts';
import { clientIp, readCookie } from './middleware/auth.ts';

/** ApiServices fits as it is: `oidc` is there when OIDC_ISSUER is set (services.ts: createOidcLogin). */
export interface OidcRouteDeps {
  oidc?: OidcLogin;
  auth: Authenticator;
  log: Logger;
}

/** Ties a sign-in's callback to the browser that started it; lives only on the two OIDC routes. */
export const OIDC_BROWSER_COOKIE = 'bj_oidc';

/** Lax, not Strict: the callback is a top-level navigation from the provider's site, which must carry it. */
function browserCookie(req: Request, value: string, maxAgeSec: number): string {
  const parts = [`${OIDC_BROWSER_COOKIE}=${value}`, 'Path=/api/auth/oidc', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSec}`];
  if (req.secure) parts.push('Secure');
  return parts.join('; ');
}

const BINDING = /^[A-Za-z0-9_-]{32}$/;

/**
 * GET /api/auth/oidc/start[?returnTo=/path] → 302 to the provider; GET /api/auth/oidc/callback → 302 into the
 * console with a session, or to /login?error=<message>. A browser navigates both, so failures are redirects with a log line
 * naming the reason, never an error page.
 */
export function oidcRoutes(deps: OidcRouteDeps): express.Router {
  const router = express.Router();
  const { oidc } = deps;
  // Single sign-on off: no routes, so both paths answer the API's 404.
  if (!oidc) return router;

  const fail = (req: Request, res: Response, err: unknown) => {
    const log = req.log ?? deps.log;
    let message = 'something went wrong; please try again';
    if (err instanceof OidcLoginError) {
      message = err.message;
      log.warn({ ip: clientIp(req), code: err.code, reason: err.reason }, 'Single sign-on refused');
    } else {
      log.error({ ip: clientIp(req), err }, 'Single sign-on failed');
    }
    res.redirect(302, `/login?error=${encodeURIComponent(message)}`);
  };

  router.get('/start', async (req: Request, res: Response) => {
    try {
      const existing = readCookie(req, OIDC_BROWSER_COOKIE);
      const binding = existing && BINDING.test(existing) ? existing : newBrowserBinding();
      const url = await oidc.start({ origin: `${req.protocol}://${req.get('host')}`, returnTo: String(req.query.returnTo ?? '/'), browserBinding: binding });
      res.setHeader('Set-Cookie', browserCookie(req, binding, LOGIN_STATE_TTL_SEC));
      res.redirect(302, url.href);
    } catch (err) {
      fail(req, res, err);
    }
  });

  router.get('/callback', async (req: Request, res: Response) => {
    try {
      // The query exactly as the provider sent it (Express's parsed req.query may reshape repeated keys).
      const raw = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
      const { user, returnTo, email } = await oidc.finish({ query: new URLSearchParams(raw), browserBinding: readCookie(req, OIDC_BROWSER_COOKIE) });
      // The session exactly as the password sign-in starts it (a new id; a session this browser carried is ended).
      await startSession(deps.auth, req, res, user);
      res.append('Set-Cookie', browserCookie(req, '', 0));
      (req.log ?? deps.log).info({ ip: clientIp(req), user: user.name, email, via: 'oidc' }, 'Signed in');
      res.redirect(302, returnTo);
    } catch (err) {
      fail(req, res, err);
    }
  });

  return router;
}
