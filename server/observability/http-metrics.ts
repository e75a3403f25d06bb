import type { Request, RequestHandler } from 'express';
import type { Metrics } from './prometheus.ts';

/**
 * The route template a request matched, never its raw path: a label per job id or per file would make
 * one time series per request. tRPC names its procedure (a batch of several is one label); Bull Board's
 * API and the console's files are one label each.
 */
export function routeLabel(req: Request): string {
  if (req.route?.path && typeof req.route.path === 'string') return `${req.baseUrl}${req.route.path}`;
  const path = req.originalUrl.split('?')[0];
  const trpc = /^\/trpc\/([\w.]+)$/.exec(path);
  if (trpc) return `/trpc/${trpc[1]}`;
  if (path.startsWith('/trpc/')) return '/trpc/(batch)';
  if (path.startsWith('/admin/queues')) return '/admin/queues/*';
  if (path.startsWith('/api/')) return '/api/*';
  return req.method === 'GET' ? '(static)' : '(unmatched)';
}

/** Times each request into http_request_duration_seconds{method,route,status}. */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpDuration.observe({ method: req.method, route: routeLabel(req), status: String(res.statusCode) }, seconds);
    });
    next();
  };
}
