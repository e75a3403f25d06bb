// `npm run bench` (compiled with tsc to dist/bench, run with node as production runs; `npm run bench:tsx` runs the
// sources): our layers side by side with plain BullMQ, in one run, on a Redis of its own.
//
// Each scenario (one module under scripts/bench/) alternates plain and ours (the order flips every round)
// and repeats the pair BENCH_ROUNDS times (default 3); the table shows the medians. Worker drains, webhook
// servers, latency runs and scale-out workers run in child processes (scripts/bench/child.ts), so memory
// and JIT state are per side.
//
//   BENCH_JOBS=20000        jobs (and webhook requests) per run of drain, enqueue, webhooks and scale
//   BENCH_ROUNDS=3          plain/ours pairs per scenario
//   BENCH_DEPTH=200000      waiting jobs of depth-reads and bulk (plus a tenth failed and a tenth completed);
//                           1000000 for the full size (adds ~2 min of filling)
//   BENCH_LATENCY_JOBS=2000 jobs per side of the latency scenario
//   BENCH_ONLY=…            comma-separated subset of: drain,enqueue,stats,webhooks,latency,depth-reads,bulk,scale (default: all)
//   BENCH_REDIS_URL=…       use this Redis (keys under bench-* prefixes, removed after each run);
//                           unset: a private redis-server in a temp dir (no AOF, no RDB), stopped at the end
//   --json                  print the table as JSON (one line) after it; --json=<path> writes it to that file instead
//
// A benchmark reports; it does not assert: the exit code is 0 whatever the verdicts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startRedisServer } from '../server/embedded-redis.ts';
import { bulk } from './bench/bulk.ts';
import { depthLabel, depthSizes, dropDepthFixture } from './bench/depth-fixture.ts';
import { depthReads } from './bench/depth-reads.ts';
import { drain } from './bench/drain.ts';
import { enqueue } from './bench/enqueue.ts';
import { LATENCY_JOBS, latency } from './bench/latency.ts';
import { formatTable, num, tableJson, type Row } from './bench/report.ts';
import { scale } from './bench/scale.ts';
import { connect, disconnect, elapsed, intEnv, type BenchContext, type Scenario } from './bench/shared.ts';
import { stats } from './bench/stats.ts';
import { webhooks } from './bench/webhooks.ts';

const SCENARIOS: Scenario[] = [drain, enqueue, stats, webhooks, latency, depthReads, bulk, scale];
const log = (line: string) => console.log(line);

function packageVersion(name: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(process.cwd(), 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

/** `--json` → stdout; `--json=<path>` → that file; absent → undefined. */
function jsonTarget(): 'stdout' | string | undefined {
  const arg = process.argv.slice(2).find((a) => a === '--json' || a.startsWith('--json='));
  if (!arg) return undefined;
  return arg === '--json' ? 'stdout' : arg.slice('--json='.length);
}

async function main(): Promise<void> {
  const started = performance.now();
  let redisUrl: string;
  let stopRedis = async () => {};
  if (process.env.BENCH_REDIS_URL) {
    redisUrl = process.env.BENCH_REDIS_URL;
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bizinsights-bench-redis-'));
    const server = await startRedisServer({ dir, args: ['--appendonly', 'no', '--save', ''] });
    redisUrl = server.url;
    stopRedis = async () => {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    };
  }
  const onSignal = () => {
    void stopRedis().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    await runAll(redisUrl, started);
  } finally {
    await stopRedis();
  }
}

async function runAll(redisUrl: string, started: number): Promise<void> {
  const admin = await connect(redisUrl, 'bench-admin');
  const ctx: BenchContext = { redisUrl, admin, n: intEnv('BENCH_JOBS', 20_000), rounds: intEnv('BENCH_ROUNDS', 3), log };
  const only = new Set(
    (process.env.BENCH_ONLY ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const unknown = [...only].filter((k) => !SCENARIOS.some((s) => s.key === k));
  if (unknown.length) log(`BENCH_ONLY: no scenario named ${unknown.join(', ')} (known: ${SCENARIOS.map((s) => s.key).join(', ')})`);
  const selected = SCENARIOS.filter((s) => only.size === 0 || only.has(s.key));

  const redisVersion = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? '?';
  const cpus = os.cpus();
  const versions = { node: process.version, bullmq: packageVersion('bullmq'), ioredis: packageVersion('ioredis'), redis: redisVersion };
  const redisSource = process.env.BENCH_REDIS_URL ? 'BENCH_REDIS_URL' : 'private redis-server, no persistence';
  const machine = { cores: cpus.length, cpu: cpus[0]?.model.trim() ?? '?', memoryGiB: Math.round(os.totalmem() / 2 ** 30), loadAverage1m: os.loadavg()[0] };
  const sizes = { jobs: ctx.n, rounds: ctx.rounds, depth: depthSizes(), latencyJobs: LATENCY_JOBS };
  const header =
    `Node ${versions.node} · BullMQ ${versions.bullmq} · ioredis ${versions.ioredis} · Redis ${redisVersion} ` +
    `(${redisSource}) · ` +
    `${machine.cores} × ${machine.cpu} · N = ${num(ctx.n)} · depth ${depthLabel()} · latency ${num(LATENCY_JOBS)} jobs · ` +
    `${ctx.rounds} rounds, medians`;
  log(`npm run bench: ours (server/queue, server/http) vs plain BullMQ\n${header}`);
  log(`scenarios: ${selected.map((s) => s.key).join(', ')}; load average at start ${num(machine.loadAverage1m, 2)}`);

  const rows: Row[] = [];
  for (const scenario of selected) {
    try {
      rows.push(...(await scenario.run(ctx)));
    } catch (err) {
      log(`   ${scenario.title} failed: ${(err as Error).stack ?? err}`);
      rows.push({ scenario: scenario.title, unit: '', plain: Number.NaN, ours: Number.NaN, better: 'higher', error: (err as Error).message });
    }
  }
  await dropDepthFixture(ctx);

  const tookSec = elapsed(started) / 1000;
  log(`\n${header}\n`);
  log(formatTable(rows));
  log(`\nratio = ours / plain; for the worker drain rows, the median of each round's own ratio (both sides run back to back). Took ${num(tookSec, 0)} s.`);

  const target = jsonTarget();
  if (target) {
    const meta = { date: new Date().toISOString(), machine, versions, redisSource, sizes, scenarios: selected.map((s) => s.key), tookSec: Math.round(tookSec) };
    const json = tableJson(rows, meta);
    if (target === 'stdout') log(json);
    else {
      fs.writeFileSync(target, `${json}\n`);
      log(`JSON written to ${target}`);
    }
  }
  await disconnect(admin);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench could not run: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
