import { ConfigError } from './config.ts';
import { RedisNotConfiguredError, RedisServerMissingError } from './embedded-redis.ts';

/** Runs an entry point; a known start-up problem prints one line and exits 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: Error) => {
    if (err instanceof ConfigError || err instanceof RedisServerMissingError || err instanceof RedisNotConfiguredError) {
      console.error(err.message);
    } else {
      console.error(err);
    }
    process.exit(1);
  });
}
