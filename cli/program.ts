import { Command, CommanderError } from 'commander';
import { ApiClient, configFromEnv } from './client.ts';
import { registerFailed } from './commands/failed.ts';
import { registerQueueActions } from './commands/queue-actions.ts';
import { registerRetry } from './commands/retry.ts';
import { registerSchedules } from './commands/schedules.ts';
import { registerStats } from './commands/stats.ts';
import { registerWorkers } from './commands/workers.ts';
import type { CommandContext } from './context.ts';
import { CliError, EXIT, type ExitCode } from './errors.ts';

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
  now?: () => number;
  fetch?: typeof fetch;
}

const ABOUT = `
Environment:
  BIZJOBS_URL         the server (default http://localhost:3000; a path prefix is kept)
  BIZJOBS_TOKEN       a personal API token (Account page), sent as Authorization: Bearer
  BIZJOBS_TIMEOUT_MS  how long to wait for an answer (default 120000)

Exit codes:
  0  done
  1  refused or failed: the server said no (4xx/5xx), or could not be reached
  2  usage: unknown command or option, missing argument, empty without --yes

Run with npm run -s (silent) when piping --json, so npm's own lines stay out of stdout.`;

/** The `jobs` program: every command, its help, and errors as exceptions instead of process.exit. */
export function buildProgram(io: CliIo): Command {
  let client: ApiClient | undefined;
  const ctx: CommandContext = {
    client: () => (client ??= new ApiClient(configFromEnv(io.env), io.fetch)),
    out: io.stdout,
    now: io.now ?? Date.now,
  };
  const program = new Command('jobs')
    .description('BizInsights Jobs operator CLI: read and act on the queues of a running server over its REST API')
    .usage('<command> [options]')
    // Inherited by every command defined below: throw CommanderError instead of exiting, write through io.
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', ABOUT);
  for (const register of [registerStats, registerFailed, registerRetry, registerQueueActions, registerSchedules, registerWorkers]) register(program, ctx);
  return program;
}

/** Runs one command line (the arguments after `jobs`) and returns its exit code; never throws. */
export async function run(argv: string[], io: CliIo): Promise<ExitCode> {
  try {
    await buildProgram(io).parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    // Commander has already printed its message (or the help); help and --version are exit 0, the rest usage.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof CliError) {
      io.stderr(`error: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr(`error: ${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT.failed;
  }
}
