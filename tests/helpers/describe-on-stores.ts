import { describe, it } from 'vitest';
import type { DialectName } from '../../server/domain/store/db.ts';
import { postgresUnavailable } from './databases.ts';

/**
 * Why the PostgreSQL runs are skipped, if they are (asked once per test file, before its suites are
 * collected). With REQUIRE_POSTGRES=1 an unreachable PostgreSQL fails the file instead.
 */
const PG_SKIP = await postgresUnavailable();
if (PG_SKIP) console.warn(`Skipping the PostgreSQL runs: ${PG_SKIP}`);

const STORES: readonly DialectName[] = ['sqlite', 'postgres'];

/**
 * One suite per store, named "<name> on sqlite" and "<name> on postgres". The body gets the dialect
 * and the `test` to declare its tests with. Without a PostgreSQL the postgres suite is declared
 * skipped, so its tests show as skipped and its hooks (which would open a database) never run.
 */
export function describeOnStores(name: string, body: (dialect: DialectName, test: typeof it) => void): void {
  for (const dialect of STORES) {
    const skipped = dialect === 'postgres' && Boolean(PG_SKIP);
    (skipped ? describe.skip : describe)(`${name} on ${dialect}`, () => body(dialect, it));
  }
}
