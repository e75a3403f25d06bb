import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Metrics } from './prometheus.ts';

export interface MetricsAccess {
  /** METRICS_TOKEN: when set, a scrape must send `Authorization: Bearer <it>`. */
  token?: string;
  /** Otherwise: the API's own authentication (req.user, any role) decides; a worker process has none. */
  apiAuth: boolean;
}

function bearerOf(req: Request): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * GET /metrics in Prometheus' text format. Never open: METRICS_TOKEN when set, else a signed-in user or API token
 * (a viewer is enough); a worker process without METRICS_TOKEN has nobody to let in and says what to set.
 */
export function metricsHandler(metrics: Metrics, access: MetricsAccess): RequestHandler {
  return async (req, res) => {
    if (access.token) {
      const bearer = bearerOf(req);
      if (!bearer || !sameToken(bearer, access.token)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        return void res.status(401).type('text/plain').send('Send Authorization: Bearer <METRICS_TOKEN>\n');
      }
    } else if (!access.apiAuth) {
      return void res.status(403).type('text/plain').send('Set METRICS_TOKEN on this process to scrape its /metrics\n');
    } else if (!req.user) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      return void res.status(401).type('text/plain').send('Sign in or send an API token (METRICS_TOKEN to use a token of its own)\n');
    }
    try {
      const body = await metrics.registry.metrics();
      res.setHeader('Cache-Control', 'no-store');
      res.type(metrics.registry.contentType).send(body);
    } catch (err) {
      res
        .status(500)
        .type('text/plain')
        .send(`Could not collect metrics: ${(err as Error).message}\n`);
    }
  };
}
