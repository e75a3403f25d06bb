import type { Command } from 'commander';
import { JSON_FLAG, type CommandContext } from '../context.ts';
import { formatSchedules, json, type ScheduleRow } from '../format.ts';

/** `jobs schedules [queue]`: GET /api/schedules. */
export function registerSchedules(program: Command, ctx: CommandContext): void {
  program
    .command('schedules')
    .description('the repeatable jobs: rule, next and last run, and who owns each (an integration, an organization, or custom)')
    .argument('[queue]', 'only this queue')
    .option(...JSON_FLAG)
    .addHelpText('after', '\nExample:\n  npm run jobs -- schedules\n  npm run jobs -- schedules data-sync --json')
    .action(async (queue: string | undefined, opts: { json?: boolean }) => {
      const schedules = await ctx.client().get<ScheduleRow[]>('/api/schedules', { queue });
      ctx.out(opts.json ? json(schedules) : formatSchedules(schedules, ctx.now()));
    });
}
