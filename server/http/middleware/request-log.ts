import type { RequestHandler } from 'express';
import type { Logger } from '../../logger.ts';

/**
 * One line per API request when it ends (method, path, status, time, who), on the request's own logger
 * (its id, see request-id.ts). Health checks and static files log at debug so they do not drown the rest.
 */
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // Health checks, static files and accepted webhooks (high volume; refused ones log a warning
      // of their own) go at debug, so the info log stays readable and intake stays fast.
      const quiet =
        req.path === '/healthz' ||
        (req.method === 'GET' && !/^\/(api|trpc|admin\/queues\/api)\b/.test(req.path)) ||
        (req.originalUrl.startsWith('/api/webhooks/') && res.statusCode < 400);
      // The connection logs a Redis outage once at error level (redis.ts), so what it causes is not an error line per
      // request: a 503 with Retry-After (refused fast, errors.ts) is a warning, and a health check stays at debug
      // whatever it answers (the console polls /healthz every few seconds through an outage).
      const refusedInOutage = res.statusCode === 503 && res.hasHeader('Retry-After');
      const level = req.path === '/healthz' ? 'debug' : refusedInOutage ? 'warn' : res.statusCode >= 500 ? 'error' : quiet ? 'debug' : 'info';
      // Asked first: req.log is made on first read, and most of these lines (webhooks, polls) are below the level.
      if (!log.isLevelEnabled(level)) return;
      (req.log ?? log)[level](
        { method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode, ms: Math.round(ms * 10) / 10, user: req.user?.name },
        'request',
      );
    });
    next();
  };
}
