import { InvalidArgumentError } from 'commander';
import type { ApiClient } from './client.ts';

/** What every command gets: the API client (made on first use, so `--help` needs no environment), stdout, the clock. */
export interface CommandContext {
  client(): ApiClient;
  /** Writes to stdout as is (the formatters end their text with a newline). */
  out(text: string): void;
  now(): number;
}

/** `--json` on a command: print the server's data as JSON only. */
export const JSON_FLAG = ['--json', "print the server's answer as JSON only (for scripts)"] as const;

/** An option's value parser (cli/args.ts) as commander wants it: its Error becomes a usage error (exit 2) naming the option. */
export const optionValue =
  <T>(parse: (value: string) => T) =>
  (value: string): T => {
    try {
      return parse(value);
    } catch (err) {
      throw new InvalidArgumentError(`${(err as Error).message}.`);
    }
  };
