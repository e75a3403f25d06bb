// 6. Admin reads at depth: the real app (compose) over HTTP against a bare Express route and Bull Board, on the same data.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import express from 'express';
import { QUEUE_NAMES } from '../../shared/queues.ts';
import { httpGet, startApp } from './app.ts';
import { depthFixture, depthLabel } from './depth-fixture.ts';
import { num, type Row } from './report.ts';
import { ALERTS, connect, disconnect, elapsed, median, sidesFor, type BenchContext, type Scenario, type Side } from './shared.ts';

const PAGE = 50;
const COUNT_TYPES = ['waiting', 'prioritized', 'active', 'completed', 'failed', 'delayed'] as const;

/** The plain side of the stats reads: one Express route, six getJobCounts side by side, no auth, no middleware. */
async function startBareServer(ctx: BenchContext, prefix: string) {
  const connection = await connect(ctx.redisUrl, 'bench-bare-route');
  const queues = QUEUE_NAMES.map((name) => new Queue(name, { connection, prefix }));
  const app = express();
  app.get('/counts', async (_req, res) => {
    res.json(await Promise.all(queues.map((q) => q.getJobCounts(...COUNT_TYPES))));
  });
  const server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await Promise.all(queues.map((q) => q.close()));
      await disconnect(connection);
    },
  };
}

interface Read {
  name: string;
  calls: number;
  target: number;
  plain: { port: number; path: string; headers?: Record<string, string> };
  ours: { port: number; path: string; headers?: Record<string, string> };
  /** Checks one answer of each side, so a 200 with the wrong content cannot pass for a fast one. */
  check: (side: Side, body: unknown) => boolean;
}

async function run(ctx: BenchContext): Promise<Row[]> {
  ctx.log(`\n6. Admin reads at depth: ${depthLabel()} alert jobs; sequential GETs over keep-alive, medians`);
  const { prefix, depth } = await depthFixture(ctx);
  const app = await startApp(ctx, prefix);
  const bare = await startBareServer(ctx, prefix);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const listInput = encodeURIComponent(JSON.stringify({ queue: ALERTS, state: 'failed', page: 1, pageSize: PAGE }));
    // The answers' shapes, as far as the checks read them.
    type Counts = Array<{ waiting: number }>;
    type Totals = { totals: { waiting: number } };
    type Jobs = Array<{ failedReason?: string }>;
    const alertsWaiting = (b: unknown) => (b as Counts)[QUEUE_NAMES.indexOf(ALERTS)].waiting;
    const failedRows = (jobs: Jobs) => jobs.filter((j) => j.failedReason).length;
    const reads: Read[] = [
      {
        name: 'tRPC queues.overview vs bare route (6 × getJobCounts)',
        calls: 300,
        target: 1.1,
        plain: { port: bare.port, path: '/counts' },
        ours: { port: app.port, path: '/trpc/queues.overview', headers: app.auth },
        check: (side, b) => (side === 'plain' ? alertsWaiting(b) : (b as { result: { data: Totals } }).result.data.totals.waiting) === depth.waiting,
      },
      {
        name: 'REST /api/jobs/monitoring vs bare route',
        calls: 300,
        target: 1.1,
        plain: { port: bare.port, path: '/counts' },
        ours: { port: app.port, path: '/api/jobs/monitoring', headers: app.auth },
        check: (side, b) => (side === 'plain' ? alertsWaiting(b) : (b as { data: Totals }).data.totals.waiting) === depth.waiting,
      },
      {
        name: `${PAGE} failed jobs: tRPC jobs.list vs Bull Board's API`,
        calls: 100,
        target: 1,
        plain: { port: app.port, path: `/admin/queues/api/queues?activeQueue=${ALERTS}&status=failed&page=1&jobsPerPage=${PAGE}`, headers: app.auth },
        ours: { port: app.port, path: `/trpc/jobs.list?input=${listInput}`, headers: app.auth },
        check: (side, b) =>
          failedRows(
            side === 'plain'
              ? ((b as { queues: Array<{ name: string; jobs: Jobs }> }).queues.find((q) => q.name === ALERTS)?.jobs ?? [])
              : (b as { result: { data: { jobs: Jobs } } }).result.data.jobs,
          ) === PAGE,
      },
    ];
    const rows: Row[] = [];
    for (const read of reads) {
      const call = async (side: Side) => {
        const { port, path, headers } = read[side];
        const res = await httpGet(agent, port, path, headers);
        if (res.status !== 200) throw new Error(`${side} GET ${path}: ${res.status} ${res.body.toString().slice(0, 200)}`);
        return res.body;
      };
      const measure = async (side: Side, calls: number) => {
        const lat: number[] = [];
        for (let i = 0; i < calls; i++) {
          const t0 = performance.now();
          await call(side);
          lat.push(elapsed(t0));
        }
        return lat;
      };
      for (const side of ['plain', 'ours'] as const) {
        if (!read.check(side, JSON.parse((await call(side)).toString()))) throw new Error(`${read.name}: unexpected ${side} answer`);
        await measure(side, Math.ceil(read.calls / 3));
      }
      const med: Record<Side, number[]> = { plain: [], ours: [] };
      const parts: string[] = [];
      for (let r = 0; r < ctx.rounds; r++) {
        for (const side of sidesFor(r)) med[side].push(median(await measure(side, read.calls)));
      }
      for (const side of ['plain', 'ours'] as const) parts.push(`${side} ${med[side].map((m) => num(m, 2)).join(' / ')} ms`);
      ctx.log(`   ${read.name}: ${parts.join(' | ')}`);
      rows.push({
        scenario: `Depth: ${read.name}`,
        unit: 'ms',
        plain: median(med.plain),
        ours: median(med.ours),
        better: 'lower',
        target: read.target,
        digits: 2,
        note: `N = ${num(depth.waiting)} + ${num(depth.failed)} failed`,
      });
    }
    return rows;
  } finally {
    agent.destroy();
    await bare.close();
    await app.close();
  }
}

export const depthReads: Scenario = { key: 'depth-reads', title: 'Admin reads at depth', run };
