import { PlatformRequestError } from './errors.ts';

/**
 * The integration's base URL with `{setting}` placeholders filled from its settings: some platforms
 * have no single public host (Shopify's is the shop's domain, WooCommerce's the store's site).
 */
export function resolveBaseUrl(baseUrl: string, settings: Record<string, string>): URL {
  const filled = baseUrl.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const v = settings[name]?.trim();
    if (!v) throw new PlatformRequestError(`setting "${name}" is required for ${baseUrl}`);
    return v.replace(/\/+$/, '');
  });
  let url: URL;
  try {
    url = new URL(filled);
  } catch {
    throw new PlatformRequestError(`invalid base URL: ${filled}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new PlatformRequestError(`base URL must be http(s): ${filled}`);
  return url;
}

/** base + path (the base may carry a path prefix of its own, e.g. a proxy), with query parameters. */
export function apiUrl(baseUrl: string, settings: Record<string, string>, path: string, query: Record<string, string | number | undefined> = {}): URL {
  const base = resolveBaseUrl(baseUrl, settings);
  const url = new URL(base.href.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
  return url;
}
