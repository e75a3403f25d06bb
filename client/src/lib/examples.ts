import type { JobDataMap } from '../../../shared/jobs.ts';
import type { QueueName } from '../../../shared/queues.ts';

/** The guide's example payload per queue: the add-job form starts from these. */
export const EXAMPLE_DATA: { [Q in QueueName]: JobDataMap[Q] } = {
  'data-sync': { integrationId: '123', organizationId: '456', platform: 'shopify', syncType: 'incremental' },
  'insights-generation': { organizationId: '456', period: '30d', forceRegenerate: true },
  'webhook-processing': {
    platform: 'shopify',
    eventType: 'orders/create',
    payload: { id: 1001, total_price: '49.90' },
    signature: 'hmac-signature',
    integrationId: '123',
  },
  'report-generation': { reportId: 'report-123', organizationId: '456', reportType: 'weekly', period: '7d', recipientEmails: ['user@example.com'] },
  'email-sending': { to: 'user@example.com', subject: 'Welcome to BizInsights', template: 'welcome', data: { name: 'John Doe' } },
  alerts: {
    organizationId: '456',
    alertType: 'DATA_ANOMALY',
    severity: 'HIGH',
    message: 'Revenue dropped 50% from yesterday',
    metadata: { metric: 'revenue', change: -50 },
  },
};
