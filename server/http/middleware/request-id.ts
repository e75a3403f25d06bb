import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../../logger.ts';

declare module 'express-serve-static-core' {
  interface Request {
    /** This request's id (X-Request-Id): the caller's when it is a sane token, else a new UUID. */
    id?: string;
    /** The logger for this request: every line carries `reqId`. */
    log?: Logger;
  }
}

/** An incoming X-Request-Id is kept only when it is a plain token: nothing to inject into a log line or a header. */
const SANE_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_ID.test(header) ? header : randomUUID();
}

/** Gives each request an id, echoes it as X-Request-Id, and a logger (`req.log`) whose lines carry it. */
export function requestId(log: Logger): RequestHandler {
  return (req, res, next) => {
    const id = requestIdOf(req.headers['x-request-id']);
    req.id = id;
    req.log = log.child({ reqId: id });
    res.setHeader('X-Request-Id', id);
    next();
  };
}
