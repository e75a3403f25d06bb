import type { Command } from 'commander';
import type { QueueStats } from '../../shared/queues.ts';
import { MAX_LIST_INDEX, parseWhole } from '../args.ts';
import { JSON_FLAG, optionValue, type CommandContext } from '../context.ts';
import { formatFailed, json, type FailedJobRow } from '../format.ts';

/** GET /api/jobs/:queue's data. */
type QueueFailed = { queueName: string; stats: QueueStats; failedJobs: FailedJobRow[] };

const index = optionValue((v) => parseWhole(v, 0, MAX_LIST_INDEX));

/** `jobs failed <queue>`: GET /api/jobs/:queue, the window `start`..`end` (inclusive, newest first; the server caps it at 200). */
export function registerFailed(program: Command, ctx: CommandContext): void {
  program
    .command('failed')
    .description("a queue's failed jobs, newest first: id, name, attempts, when, reason")
    .argument('<queue>', 'queue name, e.g. data-sync')
    .option('--start <n>', 'position of the first job to list (0 = newest)', index)
    .option('--end <n>', 'position of the last job to list, inclusive (default start + 49; at most 200 jobs per call)', index)
    .option(...JSON_FLAG)
    .addHelpText('after', '\nExample:\n  npm run jobs -- failed data-sync\n  npm run jobs -- failed alerts --start 50 --end 99')
    .action(async (queue: string, opts: { start?: number; end?: number; json?: boolean }) => {
      const data = await ctx.client().get<QueueFailed>(`/api/jobs/${encodeURIComponent(queue)}`, { start: opts.start, end: opts.end });
      ctx.out(opts.json ? json(data) : formatFailed(data.queueName, data.stats.failed, opts.start ?? 0, data.failedJobs, ctx.now()));
    });
}
