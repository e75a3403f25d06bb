import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AnyRouter } from '@trpc/server';
import type { Context } from './context.ts';

type Caller = (ctx: Context) => unknown;
type ProcedureFn = (input: unknown) => Promise<unknown>;

/**
 * The console's reads (GET, batched or not) answered straight from Express: tRPC's own adapter turns every request
 * into a fetch Request (headers copied, an AbortController, a URL parse) and back, which costs as much as the six
 * getJobCounts of queues.overview (npm run bench, admin reads at depth). Only the success path is taken here, with
 * tRPC's body and headers; anything else (an error of any call, a subscription, a mutation, a malformed or
 * streaming request) falls through to the adapter, which answers as it always does. A call that failed here is not
 * run again there: its error is handed on (res.locals.trpcFailedReads → Context.failedReads) and thrown as it was.
 */
export function fastQueries(opts: { router: AnyRouter; createCaller: Caller; createContext: (req: Request) => Context }): RequestHandler {
  const procedures = opts.router._def.procedures as Record<string, { _def: { type: string } } | undefined>;
  const isQuery = (path: string) => procedures[path]?._def.type === 'query';

  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' || req.headers['trpc-accept'] || acceptsJsonl(req.headers.accept)) return next();
    const paths = decodePaths(req.path);
    if (!paths?.every(isQuery)) return next();
    const batch = req.query.batch === '1';
    if (!batch && paths.length > 1) return next();
    const inputs = readInputs(req.query.input, paths.length, batch);
    if (!inputs) return next();

    const caller = opts.createCaller(opts.createContext(req)) as Record<string, Record<string, ProcedureFn>>;
    Promise.allSettled(paths.map((path, i) => procedureOf(caller, path)(inputs[i]))).then((results) => {
      if (results.every((r) => r.status === 'fulfilled')) {
        const body = results.map((r) => ({ result: { data: (r as PromiseFulfilledResult<unknown>).value } }));
        res.setHeader('vary', 'trpc-accept, accept');
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(batch ? body : body[0]));
        return;
      }
      // The adapter formats the answer; the calls that failed are replayed there, not run again (init.ts). A path
      // asked twice in one batch is left to run again, since its two inputs may fare differently.
      const failed = new Map<string, Error>();
      results.forEach((r, i) => {
        if (r.status === 'rejected' && paths.indexOf(paths[i]) === paths.lastIndexOf(paths[i])) failed.set(paths[i], r.reason as Error);
      });
      res.locals.trpcFailedReads = failed;
      next();
    });
  };
}

function acceptsJsonl(accept: string | undefined): boolean {
  return accept?.includes('application/jsonl') === true;
}

/** `/queues.overview` or `/a,b` (batch); undefined when it is not a plain list of dotted names. */
function decodePaths(path: string): string[] | undefined {
  let raw: string;
  try {
    raw = decodeURIComponent(path.slice(1));
  } catch {
    return undefined;
  }
  const paths = raw.split(',');
  return paths.every((p) => /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+$/.test(p)) ? paths : undefined;
}

/** tRPC's GET input: JSON in `input`, keyed by call index when batched. Undefined when it does not parse. */
function readInputs(raw: unknown, count: number, batch: boolean): unknown[] | undefined {
  if (raw !== undefined && typeof raw !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = raw === undefined ? undefined : JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!batch) return [parsed];
  if (parsed !== undefined && (typeof parsed !== 'object' || parsed === null)) return undefined;
  const byIndex = (parsed ?? {}) as Record<string, unknown>;
  return Array.from({ length: count }, (_, i) => byIndex[String(i)]);
}

function procedureOf(caller: Record<string, Record<string, ProcedureFn>>, path: string): ProcedureFn {
  const [head, ...rest] = path.split('.');
  let node: unknown = caller[head];
  for (const part of rest) node = (node as Record<string, unknown>)[part];
  return node as ProcedureFn;
}
