import type { Platform } from '../../../shared/jobs.ts';
import type { Connector } from './types.ts';
import { type ApiVersions, DEFAULT_API_VERSIONS } from './api-versions.ts';
import { createShopifyConnector } from './shopify.ts';
import { woocommerceConnector } from './woocommerce.ts';
import { createStripeConnector } from './stripe.ts';
import { googleAnalyticsConnector } from './google-analytics.ts';
import { createFacebookAdsConnector } from './facebook-ads.ts';

export interface ConnectorOptions {
  /** Versions from configuration; unset ones take DEFAULT_API_VERSIONS. */
  apiVersions?: Partial<ApiVersions>;
}

/** One connector per platform, speaking the configured API versions. */
export function createConnectors(opts: ConnectorOptions = {}): Record<Platform, Connector> {
  const versions: ApiVersions = { ...DEFAULT_API_VERSIONS, ...stripUndefined(opts.apiVersions ?? {}) };
  return {
    shopify: createShopifyConnector({ apiVersion: versions.shopify }),
    woocommerce: woocommerceConnector,
    stripe: createStripeConnector({ apiVersion: versions.stripe }),
    'google-analytics': googleAnalyticsConnector,
    'facebook-ads': createFacebookAdsConnector({ apiVersion: versions.facebook }),
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;
}

/** The connectors at the default versions (tests, scripts). */
export const CONNECTORS: Record<Platform, Connector> = createConnectors();

export const connectorFor = (platform: Platform): Connector => CONNECTORS[platform];
