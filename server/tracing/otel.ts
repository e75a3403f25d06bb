import { DiagLogLevel, context, diag, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { BullMQOtel } from 'bullmq-otel';
import { appVersion } from '../lib/app-version.ts';
import type { Logger } from '../logger.ts';
import { httpSpans } from './http-spans.ts';
import type { Tracing, TracingConfig, TracingOptions } from './tracing.ts';

/** The name spans of this code carry as their instrumentation scope. */
export const TRACER_NAME = 'bizinsights-jobs';

/** OTLP/HTTP's traces path under the base endpoint, as the OTEL_EXPORTER_OTLP_ENDPOINT convention has it. */
export function tracesUrl(endpoint: string): string {
  return new URL('v1/traces', endpoint.endsWith('/') ? endpoint : `${endpoint}/`).toString();
}

/**
 * Loaded by startTracing only when tracing is on. Registers the provider globally (AsyncLocalStorage
 * context, W3C trace context): bullmq-otel reads the global tracer, and an incoming `traceparent` is honoured.
 */
export function startOtel(config: TracingConfig, log: Logger, opts: TracingOptions): Tracing {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  const processor = opts.spanProcessor ?? new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(endpoint ?? '') }));
  const version = appVersion();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.OTEL_SERVICE_NAME, 'service.version': version }),
    spanProcessors: [processor],
  });
  provider.register();
  diag.setLogger(diagToLog(log), DiagLogLevel.WARN);
  if (endpoint) log.info({ endpoint: tracesUrl(endpoint), service: config.OTEL_SERVICE_NAME }, 'Tracing: spans go to the OTLP endpoint');

  let stopped = false;
  return {
    telemetry: new BullMQOtel({ tracerName: TRACER_NAME, version }),
    httpSpans: httpSpans(trace.getTracer(TRACER_NAME, version)),
    flush: () => provider.forceFlush(),
    async shutdown() {
      if (stopped) return;
      stopped = true;
      await provider.shutdown().catch((err: Error) => log.warn({ err: err.message }, 'Tracing: the last spans could not be exported'));
      // Released so that a later startTracing in this process (tests) can register again.
      trace.disable();
      context.disable();
      propagation.disable();
      diag.disable();
    },
  };
}

/** How often an exporter that keeps failing (collector down) may say so. */
const DIAG_REPEAT_MS = 60_000;

/** OpenTelemetry's own warnings and errors (an export that failed) in our log, one line per minute at most per message. */
function diagToLog(log: Logger) {
  const last = new Map<string, number>();
  const say = (raw: string, args: unknown[]) => {
    const message = readable(raw);
    const now = Date.now();
    if (now - (last.get(message) ?? Number.NEGATIVE_INFINITY) < DIAG_REPEAT_MS) return;
    last.set(message, now);
    const detail = args.map(describe).join(' ');
    log.warn({ detail: detail || undefined }, `Tracing: ${message}`);
  };
  return {
    error: (message: string, ...args: unknown[]) => say(message, args),
    warn: (message: string, ...args: unknown[]) => say(message, args),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  };
}

/** The SDK's error handler logs an exception as its JSON (name, message, stack): its name and message are enough. */
function readable(message: string): string {
  if (!message.startsWith('{')) return message;
  try {
    const e = JSON.parse(message) as { name?: unknown; message?: unknown };
    return typeof e.message === 'string' ? `${typeof e.name === 'string' ? `${e.name}: ` : ''}${e.message}` : message;
  } catch {
    return message;
  }
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
