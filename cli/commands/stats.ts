import type { Command } from 'commander';
import type { AllQueueStats } from '../../shared/queues.ts';
import { JSON_FLAG, type CommandContext } from '../context.ts';
import { formatStats, json } from '../format.ts';

/** `jobs stats`: GET /api/jobs/monitoring. */
export function registerStats(program: Command, ctx: CommandContext): void {
  program
    .command('stats')
    .description('job counts of every queue, by state, and the totals')
    .option(...JSON_FLAG)
    .addHelpText('after', '\nExample:\n  npm run jobs -- stats\n  npm run -s jobs -- stats --json | jq .totals.failed')
    .action(async (opts: { json?: boolean }) => {
      const stats = await ctx.client().get<AllQueueStats>('/api/jobs/monitoring');
      ctx.out(opts.json ? json(stats) : formatStats(stats));
    });
}
