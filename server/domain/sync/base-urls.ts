import type { Integration } from '../../../shared/domain.ts';
import type { Connector } from '../connectors/types.ts';

/** Where a sync sends an integration's API calls. The composition root may wrap it (the demo does). */
export type BaseUrlResolver = (integration: Integration, connector: Connector) => Promise<string> | string;

/** The integration's own base URL when it has one, else the platform's public API. */
export const integrationBaseUrl: BaseUrlResolver = (integration, connector) => integration.baseUrl || connector.defaultBaseUrl;
