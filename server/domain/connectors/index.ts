import type { Platform } from '../../../shared/jobs.ts';
import type { Connector } from './types.ts';
import { shopifyConnector } from './shopify.ts';
import { woocommerceConnector } from './woocommerce.ts';
import { stripeConnector } from './stripe.ts';
import { googleAnalyticsConnector } from './google-analytics.ts';
import { facebookAdsConnector } from './facebook-ads.ts';

export const CONNECTORS: Record<Platform, Connector> = {
  shopify: shopifyConnector,
  woocommerce: woocommerceConnector,
  stripe: stripeConnector,
  'google-analytics': googleAnalyticsConnector,
  'facebook-ads': facebookAdsConnector,
};

export const connectorFor = (platform: Platform): Connector => CONNECTORS[platform];
