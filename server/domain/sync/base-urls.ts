import type { Redis } from 'ioredis';
import type { Integration } from '../../../shared/domain.ts';
import type { Platform } from '../../../shared/jobs.ts';
import type { Connector } from '../connectors/types.ts';

/** An integration whose base URL is `standin:<platform>` talks to that platform's stand-in server. */
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

/**
 * The base URL a sync uses: the integration's own (`standin:` resolved through the directory),
 * else the platform's public API (with `{shopDomain}`-style settings filled by the connector).
 */
export function createBaseUrlResolver(standins: Pick<StandinDirectory, 'get'>) {
  return async (integration: Integration, connector: Connector): Promise<string> => {
    const own = integration.baseUrl;
    if (!own) return connector.defaultBaseUrl;
    if (!own.startsWith(STANDIN_SCHEME)) return own;
    const platform = (own.slice(STANDIN_SCHEME.length) || integration.platform) as Platform;
    const url = await standins.get(platform);
    if (!url) throw new Error(`The ${platform} stand-in server is not running (start the server with the demo seeded: npm start)`);
    return url;
  };
}
