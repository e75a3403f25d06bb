import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { migrate, openDatabase, type DialectName } from '../../server/domain/store/db.ts';
import { Sealer } from '../../server/domain/store/secrets.ts';
import { Store } from '../../server/domain/store/store.ts';
import { waitFor } from './wait-for.ts';

/** The server tests create their PostgreSQL databases on (trust auth, a role that may CREATE DATABASE). */
export const ADMIN_DATABASE_URL = withUser(process.env.TEST_DATABASE_URL ?? 'postgres://127.0.0.1:5432/test');

/** libpq would take the OS user when the URL names none; node-postgres needs it spelled out. */
function withUser(raw: string): string {
  const url = new URL(raw);
  if (!url.username) url.username = process.env.PGUSER ?? os.userInfo().username;
  return url.toString();
}

export interface TestStore {
  store: Store;
  dialect: DialectName;
  url: string;
  close(): Promise<void>;
}

let pgAvailable: Promise<string | undefined> | undefined;

/**
 * Undefined when PostgreSQL answers; otherwise why not. With REQUIRE_POSTGRES=1 (CI) an unreachable
 * server is an error rather than a skip, so the PostgreSQL tests cannot silently stop running.
 */
export function postgresUnavailable(): Promise<string | undefined> {
  pgAvailable ??= (async () => {
    const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return undefined;
    } catch (err) {
      const why = `PostgreSQL at ${ADMIN_DATABASE_URL} is unreachable (${(err as Error).message}); set TEST_DATABASE_URL`;
      if (process.env.REQUIRE_POSTGRES === '1') throw new Error(why);
      return why;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return pgAvailable;
}

/** A fresh, migrated store: a temp SQLite file, or a new PostgreSQL database dropped on close. */
export async function openTestStore(dialect: DialectName): Promise<TestStore> {
  const sealer = Sealer.fromSecret('test-encryption-key');
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bj-store-'));
    const handle = openDatabase({ dataDir: dir });
    await migrate(handle.db);
    return {
      store: new Store(handle.db, sealer, 'sqlite'),
      dialect,
      url: `sqlite:${handle.location}`,
      async close() {
        await handle.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `bjtest_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  const handle = openDatabase({ databaseUrl: url.toString(), dataDir: os.tmpdir() });
  await migrate(handle.db);
  return {
    store: new Store(handle.db, sealer, 'postgres'),
    dialect,
    url: url.toString(),
    async close() {
      await handle.close();
      const c = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
      await c.connect();
      try {
        // pg-pool's end() resolves before its sockets are closed; dropping `with (force)` at once would
        // kill a backend whose client is still ending. Wait until no session is left (a few seconds at
        // most: a session that lingers longer is dropped with the database), then drop.
        const sessions = async () => Number((await c.query<{ n: string }>('select count(*) as n from pg_stat_activity where datname = $1', [name])).rows[0].n);
        await waitFor(async () => (await sessions()) === 0, { timeoutMs: 3000, message: `sessions on ${name} to end` }).catch(() => undefined);
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
