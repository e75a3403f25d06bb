/** Finds the signing secret for a platform and, when the delivery names one, an integration. */
export type WebhookSecretLookup = (platform: string, integrationId?: string) => Promise<string | undefined> | string | undefined;

/** Secrets from configuration: WEBHOOK_SECRET_SHOPIFY, …_STRIPE, …_GOOGLE_ANALYTICS, … */
export function secretsFromConfig(config: Record<string, unknown>): (platform: string) => string | undefined {
  return (platform) => {
    const v = config[`WEBHOOK_SECRET_${platform.toUpperCase().replace(/-/g, '_')}`];
    return typeof v === 'string' && v ? v : undefined;
  };
}
