import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { ScheduleSource } from '../jobs/contract.ts';
import { migrate, openDatabase } from './store/db.ts';
import { Sealer } from './store/secrets.ts';
import { Store } from './store/store.ts';

export interface Domain {
  store: Store;
  close(): Promise<void>;
}

/** Opens the store (SQLite under DATA_DIR or PostgreSQL) and brings its schema up to date. */
export async function openDomain(config: Pick<Config, 'DATABASE_URL' | 'dataDir' | 'ENCRYPTION_KEY'>, log?: Logger): Promise<Domain> {
  const database = openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir, log });
  const applied = await migrate(database.db);
  log?.info({ database: database.location, dialect: database.dialect, migrations: applied }, 'Domain store ready');
  const store = new Store(database.db, Sealer.load(config.dataDir, config.ENCRYPTION_KEY), database.dialect);
  return { store, close: () => database.close() };
}

/** The scheduler reads integrations and organizations from the store. */
export function storeScheduleSource(store: Store): ScheduleSource {
  return {
    listIntegrations: () => store.listIntegrations(),
    listOrganizations: () => store.listOrganizations(),
    getIntegration: (id) => store.getIntegration(id),
  };
}
