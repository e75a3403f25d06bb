/** The daily metrics the system stores, one row per integration, day and metric. */
export const METRIC_NAMES = ['revenue', 'orders', 'refunds', 'refund_amount', 'sessions', 'users', 'conversions', 'ad_spend', 'impressions', 'clicks'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export const INTEGRATION_STATUSES = ['ACTIVE', 'ERROR', 'NEEDS_REAUTH', 'DISABLED'] as const;
export type IntegrationStatus = (typeof INTEGRATION_STATUSES)[number];
