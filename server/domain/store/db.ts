import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { maskUrl, type Logger } from '../../logger.ts';
import { MIGRATIONS } from './migrations.ts';
import type { DB } from './schema.ts';

export type DialectName = 'sqlite' | 'postgres';

export interface Database_ {
  db: Kysely<DB>;
  dialect: DialectName;
  /** Where it lives, password masked (for log lines). */
  location: string;
  close(): Promise<void>;
}

/**
 * PostgreSQL for DATABASE_URL=postgres://… (needed once workers run on several machines), else a
 * SQLite file under DATA_DIR: one Kysely schema, same queries on both.
 */
export function openDatabase(opts: { databaseUrl?: string; dataDir: string; sqliteFile?: string; log?: Logger }): Database_ {
  const url = opts.databaseUrl;
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    // An idle connection dropped by the server (restart, failover) is an 'error' event: log it, do not crash.
    pool.on('error', (err) => opts.log?.warn({ err: err.message }, 'PostgreSQL dropped an idle connection; it will reconnect'));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', location: maskUrl(url), close: () => db.destroy() };
  }
  if (url && !/^(sqlite:|file:)/.test(url)) throw new Error(`DATABASE_URL must be postgres://… or sqlite:<file> (got ${maskUrl(url)})`);
  const file = url ? url.replace(/^(sqlite:|file:)(\/\/)?/, '') : (opts.sqliteFile ?? path.join(opts.dataDir, 'bizinsights.sqlite'));
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  // WAL lets the API read while a worker writes; busy_timeout waits out a writer instead of failing.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', location: file, close: () => db.destroy() };
}

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** Brings the schema up to date (run at every start; Kysely locks so concurrent starts are safe). */
export async function migrate(db: Kysely<DB>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
