import type { Redis } from '../redis.ts';
import type { Platform } from '../../shared/jobs.ts';
import { integrationBaseUrl, type BaseUrlResolver } from '../domain/sync/base-urls.ts';

/** A demo integration's base URL is `standin:<platform>`: that platform's stand-in server, wherever it runs. */
export const STANDIN_SCHEME = 'standin:';

/**
 * Where the running stand-in servers listen, in Redis so a worker on another process or machine
 * finds the ones `npm start` runs for the demo.
 */
export class StandinDirectory {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {}

  async publish(urls: Partial<Record<Platform, string>>): Promise<void> {
    if (Object.keys(urls).length) await this.redis.hset(this.key, urls);
  }

  async withdraw(platforms: Platform[]): Promise<void> {
    if (platforms.length) await this.redis.hdel(this.key, ...platforms);
  }

  async get(platform: Platform): Promise<string | undefined> {
    return (await this.redis.hget(this.key, platform)) ?? undefined;
  }
}

export const standinDirectoryKey = (prefix: string) => `${prefix}:standins`;

/** The demo's resolver: `standin:` URLs through the directory, anything else as production resolves it. */
export function standinBaseUrlResolver(standins: Pick<StandinDirectory, 'get'>, fallback: BaseUrlResolver = integrationBaseUrl): BaseUrlResolver {
  return async (integration, connector) => {
    const own = integration.baseUrl;
    if (!own?.startsWith(STANDIN_SCHEME)) return fallback(integration, connector);
    const platform = (own.slice(STANDIN_SCHEME.length) || integration.platform) as Platform;
    const url = await standins.get(platform);
    if (!url) throw new Error(`The ${platform} stand-in server is not running (start the server with the demo seeded: npm start)`);
    return url;
  };
}
