import { Option, type Command } from 'commander';
import { CLEANABLE_STATES } from '../../shared/queues.ts';
import { MAX_CLEAN_LIMIT, parseGrace, parseWhole } from '../args.ts';
import { JSON_FLAG, optionValue, type CommandContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { duration, json, plural } from '../format.ts';

/** POST /api/jobs/:queue?action=…, the guide's maintenance endpoint; clean's state, grace and limit go in the body. */
const act = <T>(ctx: CommandContext, queue: string, action: string, body?: Record<string, unknown>) =>
  ctx.client().post<T>(`/api/jobs/${encodeURIComponent(queue)}`, { query: { action }, body });

/** `jobs pause|resume|clean|empty <queue>`. */
export function registerQueueActions(program: Command, ctx: CommandContext): void {
  program
    .command('pause')
    .description('pause a queue: workers take no new jobs from it until it is resumed (operator role)')
    .argument('<queue>', 'queue name')
    .option(...JSON_FLAG)
    .addHelpText('after', '\nExample:\n  npm run jobs -- pause report-generation')
    .action(async (queue: string, opts: { json?: boolean }) => {
      const data = await act<{ queueName: string }>(ctx, queue, 'pause');
      ctx.out(opts.json ? json(data) : `Paused ${data.queueName}.\n`);
    });

  program
    .command('resume')
    .description('resume a paused queue (operator role)')
    .argument('<queue>', 'queue name')
    .option(...JSON_FLAG)
    .addHelpText('after', '\nExample:\n  npm run jobs -- resume report-generation')
    .action(async (queue: string, opts: { json?: boolean }) => {
      const data = await act<{ queueName: string }>(ctx, queue, 'resume');
      ctx.out(opts.json ? json(data) : `Resumed ${data.queueName}.\n`);
    });

  program
    .command('clean')
    .description("remove a queue's jobs in one state that are older than the grace period (admin role)")
    .argument('<queue>', 'queue name')
    .addOption(new Option('--state <state>', 'which jobs').choices(CLEANABLE_STATES).makeOptionMandatory())
    .requiredOption('--grace <duration>', 'only jobs older than this: milliseconds, or 30s, 10m, 1h, 7d (0 = all)', optionValue(parseGrace))
    .option(
      '--limit <n>',
      `remove at most this many (1 to ${MAX_CLEAN_LIMIT})`,
      optionValue((v) => parseWhole(v, 1, MAX_CLEAN_LIMIT)),
    )
    .option(...JSON_FLAG)
    .addHelpText(
      'after',
      '\nExample:\n  npm run jobs -- clean data-sync --state completed --grace 1h\n  npm run jobs -- clean alerts --state failed --grace 7d --limit 10000',
    )
    .action(async (queue: string, opts: { state: string; grace: number; limit?: number; json?: boolean }) => {
      const data = await act<{ queueName: string; state: string; graceMs: number; removed: number }>(ctx, queue, 'clean', {
        state: opts.state,
        grace: opts.grace,
        limit: opts.limit,
      });
      ctx.out(opts.json ? json(data) : `Removed ${plural(data.removed, `${data.state} job`)} older than ${duration(data.graceMs)} from ${data.queueName}.\n`);
    });

  program
    .command('empty')
    .description('remove every job of a queue that is not running: waiting, delayed, completed, failed (admin role)')
    .argument('<queue>', 'queue name')
    .option('--yes', 'confirm: without it, nothing is removed and the exit code is 2')
    .option(...JSON_FLAG)
    .addHelpText('after', '\nExample:\n  npm run jobs -- empty webhook-processing --yes')
    .action(async (queue: string, opts: { yes?: boolean; json?: boolean }) => {
      if (!opts.yes) throw new UsageError(`empty removes every job of ${queue} that is not running; add --yes to confirm`);
      const data = await act<{ queueName: string; removed: number }>(ctx, queue, 'empty');
      ctx.out(opts.json ? json(data) : `Removed ${plural(data.removed, 'job')} from ${data.queueName}.\n`);
    });
}
