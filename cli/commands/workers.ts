import type { Command } from 'commander';
import type { WorkerInfo } from '../../shared/workers.ts';
import { JSON_FLAG, type CommandContext } from '../context.ts';
import { formatWorkers, json } from '../format.ts';

/** `jobs workers`: GET /api/workers. */
export function registerWorkers(program: Command, ctx: CommandContext): void {
  program
    .command('workers')
    .description('worker processes seen within the hour: status, host, pid, last heartbeat, memory, queues')
    .option(...JSON_FLAG)
    .addHelpText('after', '\nExample:\n  npm run jobs -- workers')
    .action(async (opts: { json?: boolean }) => {
      const workers = await ctx.client().get<WorkerInfo[]>('/api/workers');
      ctx.out(opts.json ? json(workers) : formatWorkers(workers));
    });
}
