import { describe, expect, it } from 'vitest';
import { causeOf, fingerprintOf, normaliseMessage, topOwnFrame } from '../../server/failures/fingerprint.ts';
import { bucketCounts } from '../../server/failures/failure-reader.ts';

const stack = (frames: string[], head = 'Error: boom') => [head, ...frames.map((f) => `    at ${f}`)].join('\n');
const fp = (queue: string, err: { name?: string; message: string; stack?: string }) => fingerprintOf(causeOf(queue, err));

describe('normaliseMessage', () => {
  it.each([
    ['Integration "int_42" does not exist', 'Integration <str> does not exist'],
    ["Organization 'org-9' not found", 'Organization <str> not found'],
    ['GET https://shop-7.example.com/admin/api/orders.json?page=3 answered 503', 'GET <url> answered <n>'],
    ['job 7f3e2a1c-9b4d-4e5f-8a6b-1c2d3e4f5a6b timed out after 30000 ms', 'job <uuid> timed out after <n> ms'],
    ['refused mail to ana.silva+ops@example.co.uk', 'refused mail to <email>'],
    ['bad pointer 0xDEADBEEF and digest 9f86d081884c7d65', 'bad pointer <hex> and digest <hex>'],
    ['charge ch_3MmlLrLkdIwHu7ix0snN0B15 failed', 'charge <id> failed'],
    ['synced until 2026-03-01T10:15:00Z, retry in 5000ms', 'synced until <time>, retry in <n>ms'],
    ['  many   spaces\nand lines ', 'many spaces and lines'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseMessage(input)).toBe(expected);
  });

  it('keeps the words that name the cause', () => {
    expect(normaliseMessage('Credentials refused by shopify (401): integration marked NEEDS_REAUTH')).toBe(
      'Credentials refused by shopify (<n>): integration marked NEEDS_REAUTH',
    );
  });
});

describe('topOwnFrame', () => {
  it('takes the first frame under server/, as file:function without line, column or extension', () => {
    const s = stack([
      'Object.fetchJson (/app/node_modules/undici/lib/fetch.js:12:3)',
      'process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      'async syncIntegration (/app/server/domain/sync/data-sync.ts:87:11)',
      'async run (/app/server/queue/worker.ts:205:24)',
    ]);
    expect(topOwnFrame(s)).toBe('server/domain/sync/data-sync:syncIntegration');
  });

  it('gives the sources and the build the same frame', () => {
    const src = stack(['loadOrg (/srv/app/server/domain/insights/run.ts:10:5)']);
    const built = stack(['loadOrg (/srv/app/dist/server/domain/insights/run.js:44:17)']);
    expect(topOwnFrame(src)).toBe(topOwnFrame(built));
  });

  it("skips the worker's wrapper when a deeper frame of ours exists, and falls back to it otherwise", () => {
    expect(topOwnFrame(stack(['run (/a/server/queue/worker.ts:1:1)', 'send (/a/server/domain/email/transports.ts:9:9)']))).toBe(
      'server/domain/email/transports:send',
    );
    expect(topOwnFrame(stack(['alerts (/a/e2e/serve.ts:1:1)', 'run (/a/server/queue/worker.ts:213:17)']))).toBe('server/queue/worker:run');
  });

  it('names anonymous frames and has nothing when no frame is ours', () => {
    expect(topOwnFrame(stack(['/a/server/lib/hash.ts:3:9']))).toBe('server/lib/hash:<anonymous>');
    expect(topOwnFrame(stack(['x (/a/node_modules/server/x.js:1:1)', 'y (node:internal/x:1:1)']))).toBeUndefined();
    expect(topOwnFrame(undefined)).toBeUndefined();
  });
});

describe('fingerprintOf', () => {
  const at = (line: number) => stack([`syncIntegration (/app/server/domain/sync/data-sync.ts:${line}:11)`]);

  it('is stable across ids, numbers and a redeploy that moves the line', () => {
    const a = fp('data-sync', { name: 'PermanentJobError', message: 'Integration "int_1" does not exist (attempt 1)', stack: at(87) });
    const b = fp('data-sync', { name: 'PermanentJobError', message: 'Integration "int_982" does not exist (attempt 3)', stack: at(90) });
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(b).toBe(a);
  });

  it('differs across causes: message, error class, frame and queue', () => {
    const base = { name: 'Error', message: 'token expired for org 12', stack: at(87) };
    const a = fp('data-sync', base);
    expect(fp('data-sync', { ...base, message: 'quota exceeded for org 12' })).not.toBe(a);
    expect(fp('data-sync', { ...base, name: 'TypeError' })).not.toBe(a);
    expect(fp('data-sync', { ...base, stack: stack(['other (/app/server/domain/sync/other.ts:1:1)']) })).not.toBe(a);
    expect(fp('alerts', base)).not.toBe(a);
  });
});

describe('bucketCounts', () => {
  const HOUR = 3_600_000;
  const now = 1_000 * HOUR + 30 * 60_000;
  const hours = { [String(1000)]: '5', [String(999)]: '2', [String(977)]: '4', [String(976)]: '100', [String(900)]: '7' };
  const minute = Math.floor(now / 60_000);
  const minutes = { [String(minute)]: '3', [String(minute - 59)]: '1', [String(minute - 60)]: '9' };

  it("sums the range's hourly buckets, the current included, and the last 60 minutes from minute buckets", () => {
    expect(bucketCounts(hours, minutes, '24h', now).count).toBe(5 + 2 + 4);
    expect(bucketCounts(hours, minutes, '7d', now).count).toBe(5 + 2 + 4 + 100 + 7);
    expect(bucketCounts(hours, minutes, '1h', now).count).toBe(3 + 1);
    expect(bucketCounts(hours, minutes, '24h', now).lastHour).toBe(4);
  });

  it('draws 24 hourly points, oldest first, ending with the current hour', () => {
    const { sparkline } = bucketCounts(hours, minutes, '24h', now);
    expect(sparkline).toHaveLength(24);
    expect(sparkline[23]).toBe(5);
    expect(sparkline[22]).toBe(2);
    expect(sparkline[0]).toBe(4);
  });
});
