import type { Platform } from '../../shared/jobs.ts';
import type { Logger } from '../logger.ts';
import { startAllStandins } from './standins/index.ts';
import { STANDIN_SCHEME, type StandinDirectory } from './standin-directory.ts';
import type { Store } from '../domain/store/store.ts';

export interface DemoStandins {
  withdraw(): Promise<void>;
  close(): Promise<void>;
}

/**
 * When the demo is seeded (integrations pointing at `standin:`), runs the stand-in servers in this
 * process and publishes their URLs, so workers anywhere on this Redis reach them. Undefined when
 * there is nothing to run.
 */
export async function startDemoStandins(store: Store, directory: StandinDirectory, log: Logger): Promise<DemoStandins | undefined> {
  const demo = (await store.listIntegrations()).filter((i) => i.baseUrl?.startsWith(STANDIN_SCHEME));
  if (demo.length === 0) return undefined;
  const standins = await startAllStandins();
  const platforms = ['shopify', 'woocommerce', 'stripe', 'google-analytics', 'facebook-ads'] as const satisfies Platform[];
  const urls = Object.fromEntries(platforms.map((p) => [p, standins[p].url])) as Record<Platform, string>;
  await directory.publish(urls);
  log.info({ standins: urls, integrations: demo.length }, 'Demo stand-in servers running for the seeded integrations');
  return {
    // Withdrawn first (needs Redis), closed last (a sync still running here may be using them).
    withdraw: () => directory.withdraw([...platforms]),
    close: () => standins.close(),
  };
}
