/**
 * Demo: every stand-in on 127.0.0.1, with what to point integrations at.
 * `tsx server/demo/standins/run.ts [portBase]` — with a port base, platforms get portBase, +1, … in PLATFORMS order.
 */
import { PLATFORMS, type Platform } from '../../../shared/jobs.ts';
import { startAllStandins } from './index.ts';

const portBase = Number(process.argv[2] ?? 0);
const ports = portBase ? (Object.fromEntries(PLATFORMS.map((p, i) => [p, portBase + i])) as Record<Platform, number>) : undefined;
const all = await startAllStandins({ ports });
for (const p of PLATFORMS) {
  const s = all[p];
  console.log(`${p.padEnd(17)} ${s.url}  credentials=${JSON.stringify(s.credentials)} settings=${JSON.stringify(s.settings)}`);
}
const stop = () => void all.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
