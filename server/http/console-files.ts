import path from 'node:path';
import compression from 'compression';
import express, { type RequestHandler } from 'express';

/** Vite names every built asset by its content hash: a file under /assets/ never changes, so it may be cached for good. */
const ASSET_MAX_AGE = '365d';

/**
 * The built console. index.html is revalidated on every load (`no-cache`), so a deploy is picked up at once and
 * never pairs an old page with new assets; hashed assets are `immutable` for a year; a missing asset is a 404
 * (not the page, which a browser would run as JavaScript and go blank). Client routes get index.html.
 */
export function consoleFiles(clientDir: string): express.Router {
  const router = express.Router();
  const index = path.join(clientDir, 'index.html');
  const noCache = (res: express.Response) => res.setHeader('Cache-Control', 'no-cache');
  router.use(
    '/assets',
    express.static(path.join(clientDir, 'assets'), { immutable: true, maxAge: ASSET_MAX_AGE, fallthrough: true, index: false }),
    (_req, res) => void res.status(404).type('text/plain').send('Not found\n'),
  );
  router.use(
    express.static(clientDir, {
      index: false,
      setHeaders: (res) => noCache(res),
    }),
  );
  // The console routes in the browser: any other GET gets its page.
  router.get(/^\/(?!api\/|trpc\/|admin\/queues|metrics$).*/, (_req, res) => {
    noCache(res);
    res.sendFile(index);
  });
  return router;
}

/**
 * gzip for text answers (the console's JavaScript, JSON). Not for live streams (SSE must flush each event as it
 * is written) nor webhook intake (small answers; raw bodies need no help).
 */
export function compressResponses(): RequestHandler {
  const gzip = compression({
    filter: (req, res) => {
      if (req.headers.accept === 'text/event-stream' || req.path.startsWith('/api/webhooks/')) return false;
      const type = String(res.getHeader('Content-Type') ?? '');
      if (type.startsWith('text/event-stream')) return false;
      return compression.filter(req, res);
    },
  });
  // Only reads are worth compressing here (pages, assets, JSON lists), and only for a client that accepts it: the
  // middleware wraps each response it sees, which cost the webhook intake several per cent (npm run bench).
  return (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !req.headers['accept-encoding']) return next();
    gzip(req, res, next);
  };
}
