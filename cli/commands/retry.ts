import type { Command } from 'commander';
import { JSON_FLAG, type CommandContext } from '../context.ts';
import { CliError, UsageError } from '../errors.ts';
import { json, oneLine, plural } from '../format.ts';

interface RetryIdsResult {
  queueName: string;
  retried: number;
  done: string[];
  failed: Array<{ id: string; error: string }>;
}

/**
 * `jobs retry <queue> --all` (POST /api/jobs/monitoring/retry) or `jobs retry <queue> <id>...`
 * (POST /api/jobs/:queue/retry, one audited action for all the ids). Exit 1 when any id was not retried.
 */
export function registerRetry(program: Command, ctx: CommandContext): void {
  program
    .command('retry')
    .description('retry failed jobs of a queue: every one (--all) or the ids given (operator role)')
    .argument('<queue>', 'queue name')
    .argument('[ids...]', 'ids of failed jobs to retry')
    .option('--all', 'retry every failed job of the queue')
    .option(...JSON_FLAG)
    .addHelpText('after', '\nExample:\n  npm run jobs -- retry data-sync --all\n  npm run jobs -- retry data-sync 1042 1043')
    .action(async (queue: string, ids: string[], opts: { all?: boolean; json?: boolean }) => {
      if (opts.all && ids.length > 0) throw new UsageError('give either --all or job ids, not both');
      if (!opts.all && ids.length === 0) throw new UsageError('say which jobs: --all, or one or more job ids');
      if (opts.all) {
        const data = await ctx.client().post<{ queueName: string; retried: number }>('/api/jobs/monitoring/retry', { body: { queueName: queue } });
        ctx.out(opts.json ? json(data) : `Retried ${plural(data.retried, 'failed job')} of ${data.queueName}.\n`);
        return;
      }
      const unique = [...new Set(ids)];
      const data = await ctx.client().post<RetryIdsResult>(`/api/jobs/${encodeURIComponent(queue)}/retry`, { body: { ids: unique } });
      ctx.out(opts.json ? json(data) : `Retried ${data.retried} of ${plural(unique.length, 'job')} of ${data.queueName}.\n`);
      if (data.failed.length > 0) {
        const why = data.failed.map((f) => `${f.id} (${oneLine(f.error, 120)})`).join(', ');
        throw new CliError(`not retried: ${why}`);
      }
    });
}
