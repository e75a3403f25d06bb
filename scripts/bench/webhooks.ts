// 4. Webhook intake: a bare Express route vs webhookRoutes (and with createApp's middleware), each server in a child process.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { BenchChild } from './child-process.ts';
import { num, type Row } from './report.ts';
import {
  WEBHOOKS,
  benchPrefix,
  elapsed,
  expectKind,
  median,
  pool,
  removeKeys,
  shopifyRequests,
  type BenchContext,
  type Scenario,
  type SignedRequest,
} from './shared.ts';

const HTTP_IN_FLIGHT = 50;

type HookSide = 'plain' | 'ours' | 'ours-app';

function post(agent: http.Agent, port: number, req: SignedRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = http.request(
      { host: '127.0.0.1', port, path: '/api/webhooks/shopify', method: 'POST', agent, headers: { ...req.headers, 'content-length': String(req.body.length) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

async function hookRun(ctx: BenchContext, side: HookSide, round: number): Promise<number> {
  const n = ctx.n;
  const prefix = benchPrefix(`hook-${side}`);
  const warm = Math.min(1_000, Math.ceil(n / 10));
  const requests = shopifyRequests(warm + n, `r${round}${side.replace('-', '')}`);
  const role = side === 'plain' ? 'hook-plain' : side === 'ours' ? 'hook-ours' : 'hook-ours-app';
  const child = new BenchChild({ role, url: ctx.redisUrl, prefix });
  const agent = new http.Agent({ keepAlive: true, maxSockets: HTTP_IN_FLIGHT });
  try {
    const { port } = expectKind(await child.next(), 'listening');
    const bad: number[] = [];
    const send = async (i: number) => {
      const status = await post(agent, port, requests[i]);
      if (status !== 200) bad.push(status);
    };
    await pool(warm, HTTP_IN_FLIGHT, send);
    const t0 = performance.now();
    await pool(n, HTTP_IN_FLIGHT, (i) => send(warm + i));
    const ms = elapsed(t0);
    if (bad.length) throw new Error(`${side}: ${bad.length} requests answered ${[...new Set(bad)].join(', ')}`);
    const queue = new Queue(WEBHOOKS, { connection: ctx.admin, prefix });
    const stored = await queue.getJobCountByTypes('waiting');
    await queue.close();
    if (stored !== warm + n) throw new Error(`${side}: ${stored} jobs stored for ${warm + n} requests`);
    return (n / ms) * 1000;
  } finally {
    agent.destroy();
    await child.stop();
    await removeKeys(ctx.admin, prefix);
  }
}

async function run(ctx: BenchContext): Promise<Row[]> {
  ctx.log(`\n4. Webhook intake: ${num(ctx.n)} signed Shopify deliveries (~1 kB) over HTTP keep-alive, ${HTTP_IN_FLIGHT} in flight`);
  const runs: Record<HookSide, number[]> = { plain: [], ours: [], 'ours-app': [] };
  const orders: HookSide[][] = [
    ['plain', 'ours', 'ours-app'],
    ['ours-app', 'ours', 'plain'],
    ['ours', 'plain', 'ours-app'],
  ];
  for (let r = 0; r < ctx.rounds; r++) {
    const parts: string[] = [];
    for (const side of orders[r % orders.length]) {
      const rps = await hookRun(ctx, side, r);
      runs[side].push(rps);
      parts.push(`${side} ${num(rps)} req/s`);
    }
    ctx.log(`   round ${r + 1}: ${parts.join(' | ')}`);
  }
  const plain = median(runs.plain);
  return [
    { scenario: 'Webhook intake: bare route vs webhookRoutes', unit: 'req/s', plain, ours: median(runs.ours), better: 'higher', target: 0.8 },
    {
      scenario: "  …with createApp's middleware (request id, headers, gzip, metrics, log)",
      unit: 'req/s',
      plain,
      ours: median(runs['ours-app']),
      better: 'higher',
      target: 0.8,
    },
  ];
}

export const webhooks: Scenario = { key: 'webhooks', title: 'Webhook intake', run };
