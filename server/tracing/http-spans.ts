import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Tracer } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { routeLabel } from '../observability/http-metrics.ts';

/**
 * One SERVER span per request, made the active context while the request is handled, so a job it
 * enqueues (BullMQ's `add` span, and through the job the worker's `process` span) joins its trace. An
 * incoming W3C `traceparent` is its parent. Named `METHOD route` once the route is known (at the end):
 * the same route templates as http_request_duration_seconds, never raw paths.
 */
export function httpSpans(tracer: Tracer): RequestHandler {
  return (req, res, next) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(
      req.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path, ...(req.id ? { 'http.request.id': req.id } : {}) } },
      parent,
    );
    const active = trace.setSpan(parent, span);
    // Body parsers call on from the request stream's own callbacks, outside this context; bound
    // emitters run their listeners inside it, so handlers after a parser still see the span.
    context.bind(active, req);
    context.bind(active, res);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const route = routeLabel(req);
      span.updateName(`${req.method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': res.statusCode });
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      if (!res.writableFinished) span.setAttribute('http.aborted', true);
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(active, next);
  };
}
