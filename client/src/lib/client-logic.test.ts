import { describe, expect, it } from 'vitest';
import { matchPath } from '../router/router.tsx';
import { describeCron } from './cron.ts';
import { EXAMPLE_DATA } from './examples.ts';
import { failureRate, formatDuration, formatMetricNumber, formatRelative, keyData, plural, truncate } from './format.ts';
import { checkJobJson } from './validate-job.ts';
import { QUEUE_NAMES } from '../../../shared/queues.ts';

describe('formatters', () => {
  it('formats durations at every scale', () => {
    expect(formatDuration(12)).toBe('12 ms');
    expect(formatDuration(1500)).toBe('1.5 s');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(3 * 3600_000 + 60_000)).toBe('3 h 1 min');
    expect(formatDuration(3 * 86_400_000 + 3600_000)).toBe('3 d 1 h');
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(-5)).toBe('—');
  });

  it('says how long ago or until', () => {
    const now = 1_000_000_000_000;
    expect(formatRelative(now - 2000, now)).toBe('just now');
    expect(formatRelative(now - 30_000, now)).toBe('30 s ago');
    expect(formatRelative(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(formatRelative(now + 2 * 3600_000, now)).toBe('in 2 h');
    expect(formatRelative(now - 3 * 86_400_000, now)).toBe('3 d ago');
    expect(formatRelative(null, now)).toBe('—');
  });

  it('computes the failure rate of finished jobs', () => {
    expect(failureRate(0, 0)).toBe('—');
    expect(failureRate(90, 10)).toBe('10%');
    expect(failureRate(999, 1)).toBe('0.1%');
    expect(failureRate(0, 5)).toBe('100%');
  });

  it('picks the key fields of job data', () => {
    expect(keyData(EXAMPLE_DATA['data-sync'])).toBe('shopify · 456 · 123');
    expect(keyData(EXAMPLE_DATA['email-sending'])).toBe('welcome · user@example.com');
    expect(keyData({ to: ['a@x.io', 'b@x.io'], template: 'welcome' })).toBe('welcome · a@x.io, b@x.io');
    expect(keyData(null)).toBe('');
  });

  it('shows the numbers behind insights without float noise', () => {
    expect(formatMetricNumber(5754.459999999999)).toBe('5,754.46');
    expect(formatMetricNumber(-50)).toBe('-50');
    expect(formatMetricNumber(0.12345)).toBe('0.1235');
  });

  it('pluralises and truncates', () => {
    expect(plural(1, 'entry', 'entries')).toBe('1 entry');
    expect(plural(1200, 'job', 'jobs')).toBe('1,200 jobs');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });
});

describe('cron descriptions', () => {
  it('describes the guide patterns', () => {
    expect(describeCron('0 8 * * 1')).toEqual({ ok: true, description: expect.stringMatching(/08:00.*Monday/) });
    expect(describeCron('0 */6 * * *').description).toMatch(/every 6 hours/i);
  });
  it('refuses bad patterns with a reason', () => {
    expect(describeCron('')).toMatchObject({ ok: false });
    expect(describeCron('* * * *')).toMatchObject({ ok: false, error: expect.stringMatching(/5 fields/) });
    expect(describeCron('61 * * * *')).toMatchObject({ ok: false });
  });
});

describe('add-job checks (the shared schemas)', () => {
  it.each(QUEUE_NAMES)('accepts the example payload of %s', (q) => {
    expect(checkJobJson(q, JSON.stringify(EXAMPLE_DATA[q])).ok).toBe(true);
  });
  it('names the bad field', () => {
    const r = checkJobJson('email-sending', JSON.stringify({ ...EXAMPLE_DATA['email-sending'], to: 'not-an-email' }));
    expect(r.ok).toBe(false);
    expect(Object.keys(r.errors)).toEqual(['to']);
  });
  it('reports broken JSON', () => {
    const r = checkJobJson('alerts', '{"organizationId": ');
    expect(r.ok).toBe(false);
    expect(r.errors['(json)'][0]).toMatch(/Not valid JSON/);
  });
});

describe('routes', () => {
  it('matches paths with params', () => {
    expect(matchPath('/queues/:queue/jobs/:id', '/queues/alerts/jobs/a%2Fb')).toEqual({ queue: 'alerts', id: 'a/b' });
    expect(matchPath('/queues/:queue', '/queues/alerts/jobs/1')).toBeUndefined();
    expect(matchPath('/schedules', '/schedules')).toEqual({});
    expect(matchPath('/schedules', '/audit')).toBeUndefined();
  });
});
