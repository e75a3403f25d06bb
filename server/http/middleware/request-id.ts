import { randomUUID } from 'node:crypto';
import express, { type RequestHandler } from 'express';
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

type WithLogs = { _baseLog?: Logger; _reqLog?: Logger; id?: string };

// `req.log` is made when first read: most requests (webhook intake, polls) log nothing at the level that is on,
// and a pino child for each of them cost the webhook intake several per cent (npm run bench, webhooks).
Object.defineProperty(express.request, 'log', {
  configurable: true,
  get(this: WithLogs): Logger | undefined {
    if (!this._reqLog && this._baseLog) this._reqLog = this._baseLog.child({ reqId: this.id });
    return this._reqLog;
  },
  set(this: WithLogs, value: Logger | undefined) {
    this._reqLog = value;
  },
});

/** Gives each request an id, echoes it as X-Request-Id, and a logger (`req.log`) whose lines carry it. */
export function requestId(log: Logger): RequestHandler {
  return (req, res, next) => {
    const id = requestIdOf(req.headers['x-request-id']);
    req.id = id;
    (req as WithLogs)._baseLog = log;
    res.setHeader('X-Request-Id', id);
    next();
  };
}
