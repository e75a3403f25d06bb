import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { jobStateSchema, metricRangeSchema } from '../../../shared/api.ts';
import { insightPeriodSchema } from '../../../shared/jobs.ts';
import { queueNameSchema } from '../../../shared/queues.ts';
import { alertSeveritySchema, outboxStatusSchema, pageParamSchema, textParamSchema } from '../../../shared/url-params.ts';
import { readSearchParam } from './router.tsx';

const read = <T>(qs: string, key: string, schema: z.ZodType<T>, fallback?: T) => readSearchParam(new URLSearchParams(qs), key, schema, fallback);

describe('search params through the shared schemas', () => {
  it('reads valid values with their type', () => {
    expect(read('range=24h', 'range', metricRangeSchema, '1h')).toBe('24h');
    expect(read('tab=delayed', 'tab', jobStateSchema, 'failed')).toBe('delayed');
    expect(read('queue=alerts', 'queue', queueNameSchema, 'data-sync')).toBe('alerts');
    expect(read('period=90d', 'period', insightPeriodSchema, '30d')).toBe('90d');
    expect(read('page=7', 'page', pageParamSchema, 1)).toBe(7);
    expect(read('severity=HIGH', 'severity', alertSeveritySchema)).toBe('HIGH');
    expect(read('status=failed', 'status', outboxStatusSchema)).toBe('failed');
    expect(read('q=ord%20123', 'q', textParamSchema, '')).toBe('ord 123');
  });

  it('falls back when a value is missing or invalid (an edited or outdated link)', () => {
    expect(read('', 'range', metricRangeSchema, '1h')).toBe('1h');
    expect(read('range=2y', 'range', metricRangeSchema, '1h')).toBe('1h');
    expect(read('tab=wait', 'tab', jobStateSchema, 'failed')).toBe('failed');
    expect(read('queue=nope', 'queue', queueNameSchema, 'data-sync')).toBe('data-sync');
    for (const bad of ['0', '-2', '1.5', 'abc', '', '99999999']) expect(read(`page=${bad}`, 'page', pageParamSchema, 1)).toBe(1);
    // An optional filter has no fallback: anything else means "all".
    expect(read('severity=high', 'severity', alertSeveritySchema)).toBeUndefined();
    expect(read('status=', 'status', outboxStatusSchema)).toBeUndefined();
  });
});
