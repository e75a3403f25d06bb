// `npm run seed:demo`: a demo organization with one integration per platform on the stand-in
// servers, in the configured store (SQLite under DATA_DIR by default). Then `npm start`.
import { loadConfig } from '../server/config.ts';
import { openDomain } from '../server/domain/domain.ts';
import { seedDemo } from '../server/demo/seed-demo.ts';
import { createLogger } from '../server/logger.ts';
import { runMain } from '../server/run-main.ts';

runMain(async () => {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  const domain = await openDomain(config, log);
  try {
    // --if-empty (used by scripts/up.sh): only on a fresh store, never into one with real organizations.
    if (process.argv.includes('--if-empty') && (await domain.store.listOrganizations()).length > 0) {
      log.info('The store already has organizations: no demo seeded');
      return;
    }
    const r = await seedDemo(domain.store);
    log.info(r, r.created.length ? 'Demo seeded' : 'Demo already seeded: nothing changed');
    // scripts/up.sh starts the server itself right after.
    if (!process.argv.includes('--if-empty')) log.info('Now run `npm start`: it starts the stand-in servers and syncs every demo integration at once');
  } finally {
    await domain.close();
  }
});
