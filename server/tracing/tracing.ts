import type { SpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { Telemetry } from 'bullmq';
import type { RequestHandler } from 'express';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';

/**
 * OpenTelemetry tracing, on only with OTEL_EXPORTER_OTLP_ENDPOINT. This module imports nothing of
 * OpenTelemetry at run time (types only): the SDK, the exporter and bullmq-otel are loaded by
 * startTracing when tracing is on, so a process without it pays for none of them.
 */
export interface Tracing {
  /** BullMQ's telemetry for Queues and Workers: enqueue and process spans, the producer's context carried in the job. */
  telemetry: Telemetry;
  /** Express middleware: one server span per request, named by route template, active while the request is handled. */
  httpSpans: RequestHandler;
  /** Exports every span that has ended. */
  flush(): Promise<void>;
  /** Flushes, stops, and releases the process's OpenTelemetry globals. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** Where spans go instead of OTLP/HTTP (tests: a SimpleSpanProcessor over an InMemorySpanExporter); turns tracing on. */
  spanProcessor?: SpanProcessor;
}

export type TracingConfig = Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_SERVICE_NAME'>;

/** Starts tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set (or a span processor is given); undefined, and nothing loaded, otherwise. */
export async function startTracing(config: TracingConfig, log: Logger, opts: TracingOptions = {}): Promise<Tracing | undefined> {
  if (!config.OTEL_EXPORTER_OTLP_ENDPOINT && !opts.spanProcessor) return undefined;
  const { startOtel } = await import('./otel.ts');
  return startOtel(config, log, opts);
}

/** The `telemetry` option for BullMQ's Queue and Worker: undefined when tracing is off (BullMQ then skips every span). */
export function telemetryFor(tracing: Tracing | undefined): Telemetry | undefined {
  return tracing?.telemetry;
}
