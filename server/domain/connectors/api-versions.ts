/**
 * The platform API versions the connectors speak, each overridable in configuration
 * (FACEBOOK_API_VERSION, SHOPIFY_API_VERSION, STRIPE_API_VERSION): platforms retire versions on a
 * published calendar, and an operator must be able to move before we release.
 */
export interface ApiVersions {
  /** Meta Graph / Marketing API, e.g. "v27.0". */
  facebook: string;
  /** Shopify Admin API, quarterly, e.g. "2026-10". */
  shopify: string;
  /** Stripe-Version header. */
  stripe: string;
}

export const DEFAULT_API_VERSIONS: ApiVersions = {
  // The newest in Meta's Marketing API changelog (released 2026-11-04, no end announced):
  // https://developers.facebook.com/documentation/ads-commerce/marketing-api/marketing-api-changelog/versions
  // (the calendar is in meta-versions.ts).
  facebook: 'v27.0',
  // The latest stable on 2026-12-01; each is supported at least 12 months (https://shopify.dev/docs/api/usage/versioning).
  shopify: '2026-10',
  // The last dahlia release (docs.stripe.com/changelog.md lists 2026-08-26.dahlia; stripe-node 22.4.0 pins
  // 2026-07-29.dahlia). Monthly releases within a major add nothing breaking; 2026-09-30.endive opened a
  // new major whose breaking changes (docs.stripe.com/changelog/endive) are not reviewed yet. Sent as
  // Stripe-Version on every call, so charges read the same whatever each account's default version is.
  stripe: '2026-08-26.dahlia',
};
