/**
 * GET /api/jobs/:queue/export on real Redis through the real HTTP app: NDJSON and CSV of a state's jobs (and a
 * search), the limit, auth and headers; CSV cells survive commas, quotes and newlines; and 10,000 rows of about
 * 4 KB each (≈ 40 MB) stream through with the process's retained heap staying well under that, while the client
 * reads slower than the server could write.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertJobData, EmailJobData } from '../../shared/jobs.ts';
import { EXPORT_COLUMNS } from '../../shared/job-history.ts';
import type { ProcessorRegistry } from '../../server/jobs/contract.ts';
import { csvCell } from '../../server/jobs-export/export-format.ts';
import { API_TOKEN, VIEWER_API_TOKEN, startApiApp, type ApiApp } from '../helpers/api-app.ts';
import { waitFor } from '../helpers/wait-for.ts';

// A full collection on demand, so the heap is measured as what is retained, not what awaits collection.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const processors: ProcessorRegistry = {
  alerts: async (data) => {
    throw new Error(data.message.replace('please fail: ', ''));
  },
};

let app: ApiApp;
beforeAll(async () => {
  app = await startApiApp({ processors });
});
afterAll(async () => {
  await app?.close();
});

const get = (path: string, token = API_TOKEN) => fetch(app.base + path, { headers: { authorization: `Bearer ${token}` } });

/** RFC 4180 CSV, for checking what the export wrote: quoted cells may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

const alert = (message: string, metadata: Record<string, unknown> = {}): AlertJobData => ({
  organizationId: 'org-1',
  alertType: 'DATA_ANOMALY',
  severity: 'HIGH',
  message,
  metadata,
});

describe('export of failed jobs', () => {
  const ids: string[] = [];
  beforeAll(async () => {
    const tricky = [
      alert('please fail: plain reason', { note: 'no specials' }),
      alert('please fail: reason, with "quotes", commas\nand a newline', { note: 'a,b "c"\r\nd' }),
      alert('please fail: =HYPERLINK("http://evil")', { note: '=1+1' }),
    ];
    for (const data of tricky) ids.push(String((await app.runtime.queueService.addJob('alerts', data, { attempts: 1 })).id));
    await waitFor(async () => (await app.runtime.queueService.getQueueStats('alerts')).failed === 3, { message: '3 failed alerts' });
  });

  it('CSV: a header, one row per job newest first, cells escaped so they parse back to the same values', async () => {
    const res = await get('/api/jobs/alerts/export?state=failed&format=csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="alerts-failed-\d{8}T\d{6}Z\.csv"$/);
    const rows = parseCsv(await res.text());
    expect(rows[0]).toEqual([...EXPORT_COLUMNS]);
    expect(rows).toHaveLength(4);
    const byId = new Map(rows.slice(1).map((r) => [r[0], Object.fromEntries(EXPORT_COLUMNS.map((c, i) => [c, r[i]]))]));
    expect(rows.slice(1).map((r) => r[0])).toEqual([...ids].reverse());

    const second = byId.get(ids[1])!;
    expect(JSON.parse(second.data)).toEqual(alert('please fail: reason, with "quotes", commas\nand a newline', { note: 'a,b "c"\r\nd' }));
    expect(second.failedReason).toBe('reason, with "quotes", commas\nand a newline');
    expect(second.name).toBe('alert-DATA_ANOMALY');
    expect(second.attempts).toBe('1');
    for (const c of ['timestamp', 'processedOn', 'finishedOn'] as const) expect(Number(second[c])).toBeGreaterThan(0);
    // A reason a spreadsheet would run as a formula is written as text.
    expect(byId.get(ids[2])!.failedReason).toBe(`'=HYPERLINK("http://evil")`);
  });

  it('NDJSON: one JSON object per line with the same columns; q narrows to matching jobs; limit caps the rows', async () => {
    const all = (await (await get('/api/jobs/alerts/export?state=failed&format=ndjson')).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(all.map((r) => r.id)).toEqual([...ids].reverse());
    expect(Object.keys(all[0])).toEqual([...EXPORT_COLUMNS]);
    expect(all[2]).toMatchObject({ id: ids[0], attempts: 1, failedReason: 'plain reason', data: alert('please fail: plain reason', { note: 'no specials' }) });

    const found = (await (await get('/api/jobs/alerts/export?state=failed&format=ndjson&q=HYPERLINK')).text()).trim().split('\n');
    expect(found.map((l) => JSON.parse(l).id)).toEqual([ids[2]]);

    const capped = (await (await get('/api/jobs/alerts/export?state=failed&format=ndjson&limit=2')).text()).trim().split('\n');
    expect(capped.map((l) => JSON.parse(l).id)).toEqual([ids[2], ids[1]]);
  });

  it('group= exports the jobs of an error group still failed, and only those', async () => {
    const groups = (await (await get('/api/failures?queue=alerts&range=1h')).json()).data as Array<{ fingerprint: string; message: string }>;
    const plain = groups.find((g) => g.message.includes('plain reason'));
    expect(plain, JSON.stringify(groups)).toBeDefined();
    const rows = (await (await get(`/api/jobs/alerts/export?format=ndjson&group=${plain!.fingerprint}`)).text()).trim().split('\n');
    expect(rows.map((l) => JSON.parse(l).id)).toEqual([ids[0]]);
    const bad = await get('/api/jobs/alerts/export?group=not-a-fingerprint');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('group');
  });

  it('an empty state is a header-only CSV; a viewer may export; bad input and no auth are refused', async () => {
    const empty = await get('/api/jobs/alerts/export?state=delayed&format=csv', VIEWER_API_TOKEN);
    expect(empty.status).toBe(200);
    expect(await empty.text()).toBe(`${EXPORT_COLUMNS.join(',')}\r\n`);
    expect((await fetch(`${app.base}/api/jobs/alerts/export`)).status).toBe(401);
    const tooMany = await get('/api/jobs/alerts/export?limit=100001');
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(await tooMany.json())).toContain('limit');
    expect((await get('/api/jobs/alerts/export?format=xml')).status).toBe(400);
    expect((await get('/api/jobs/nope/export')).status).toBe(404);
  });
});

describe('export of 10,000 jobs', () => {
  const ROWS = 10_000;
  const filler = 'x'.repeat(4000);
  beforeAll(async () => {
    const email = (n: number): EmailJobData => ({ to: `user${n}@example.com`, subject: `Report ${n}`, template: 'welcome', data: { n, filler } });
    for (let i = 0; i < ROWS; i += 1000) {
      await app.runtime.queueService.addJobs(
        'email-sending',
        Array.from({ length: 1000 }, (_, k) => ({ data: email(i + k) })),
      );
    }
  }, 120_000);

  it('streams every row with a flat heap (retained growth < 30 MB for ≈ 40 MB sent), the client reading slowly', async () => {
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    const res = await get(`/api/jobs/email-sending/export?state=waiting&format=ndjson&limit=${ROWS}`);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let bytes = 0;
    let lines = 0;
    let chunks = 0;
    let tail = '';
    const seen = new Set<number>();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      const text = tail + decoder.decode(value, { stream: true });
      const parts = text.split('\n');
      tail = parts.pop() ?? '';
      for (const line of parts) {
        lines++;
        seen.add((JSON.parse(line).data as EmailJobData).data.n as number);
      }
      // Slower than the server: it must wait for this reader, not buffer ahead of it.
      await new Promise((r) => setImmediate(r));
      if (++chunks % 50 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      }
    }
    expect(tail).toBe('');
    expect(lines).toBe(ROWS);
    expect(seen.size).toBe(ROWS);
    expect(bytes).toBeGreaterThan(40_000_000);
    expect(chunks).toBeGreaterThan(50);
    expect(peak).toBeLessThan(30 * 1024 * 1024);
  }, 120_000);
});

describe('csvCell', () => {
  it('quotes only what needs it and neutralises formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvCell('-1,2')).toBe(`"'-1,2"`);
    expect(csvCell(null)).toBe('');
    expect(csvCell(42)).toBe('42');
  });
});
