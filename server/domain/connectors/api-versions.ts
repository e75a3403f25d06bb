/**
 * The platform API versions the connectors speak, each overridable in configuration
 * (FACEBOOK_API_VERSION, SHOPIFY_API_VERSION, STRIPE_API_VERSION): platforms retire versions on a
 * published calendar, and an operator must be able to move before we release.
 */
export interface ApiVersions {
  /** Meta Graph / Marketing API, e.g. "v19.0". */
  facebook: string;
  /** Shopify Admin API, quarterly, e.g. "2024-10". */
  shopify: string;
  /** Stripe-Version header. */
  stripe: string;
}

export const DEFAULT_API_VERSIONS: ApiVersions = {
  facebook: 'v19.0',
  shopify: '2024-10',
  stripe: '',
};
