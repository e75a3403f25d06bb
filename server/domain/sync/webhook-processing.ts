import { createHash } from 'node:crypto';
import type { Integration } from '../../../shared/domain.ts';
import type { WebhookJobData } from '../../../shared/jobs.ts';
import { PermanentJobError, type ProcessorContext } from '../../jobs/contract.ts';
import { readSignedBody } from '../../webhooks/delivery.ts';
import { verifyCarriedSignature } from '../../webhooks/platforms.ts';
import type { Store } from '../store/store.ts';
import { mapWebhookEvent } from './webhook-events.ts';

export interface WebhookDeps {
  store: Store;
  /** A platform-wide secret from configuration, for webhooks not tied to an integration's own. */
  fallbackSecret(platform: string): string | undefined;
}

export interface WebhookResult {
  eventId: string;
  /** `unreadable`: signed, but not JSON we can read; recorded (as skipped, with the reason) and not retried. */
  status: 'processed' | 'skipped' | 'unmatched' | 'duplicate' | 'unreadable';
  records: number;
  changed: number;
}

/** The body's exact bytes: base64 in current jobs; jobs queued before that carry UTF-8 text. */
export function rawBodyOf(data: Pick<WebhookJobData, 'rawBodyBase64' | 'rawBody'>): Buffer | undefined {
  if (data.rawBodyBase64 !== undefined) return Buffer.from(data.rawBodyBase64, 'base64');
  return data.rawBody === undefined ? undefined : Buffer.from(data.rawBody, 'utf8');
}

/** The integration a webhook is for: the one named, else the only one of that platform. */
export async function webhookIntegration(store: Store, platform: string, integrationId?: string): Promise<Integration | undefined> {
  if (integrationId) return store.getIntegration(integrationId);
  const candidates = (await store.listIntegrations()).filter((i) => i.platform === platform);
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** The signing secret for a platform's webhooks: the integration's own, else configuration's. */
export async function webhookSecret(
  deps: Pick<WebhookDeps, 'store' | 'fallbackSecret'>,
  platform: string,
  integrationId?: string,
): Promise<string | undefined> {
  const integration = await webhookIntegration(deps.store, platform, integrationId);
  const own = integration ? (await deps.store.getIntegrationSecrets(integration.id))?.webhookSecret : undefined;
  return own ?? deps.fallbackSecret(platform);
}

/**
 * The webhook processor: re-verifies the signature the job carries over the body's exact bytes (a
 * tampered event fails without retries), maps the event, upserts its records and the affected days'
 * metrics, and records the event once by its id, so a redelivered event changes nothing. Unknown
 * event types are recorded and skipped, not failed; so are signed bodies we cannot read.
 */
export function createWebhookProcessor(deps: WebhookDeps) {
  return async function processWebhook(data: WebhookJobData, ctx: ProcessorContext): Promise<WebhookResult> {
    const integration = await webhookIntegration(deps.store, data.platform, data.integrationId);
    const secret = await webhookSecret(deps, data.platform, data.integrationId);
    if (!secret)
      throw new PermanentJobError(`No webhook secret for ${data.platform}${data.integrationId ? ` integration ${data.integrationId}` : ''}: cannot verify`);
    const raw = rawBodyOf(data);
    if (raw === undefined) throw new PermanentJobError('The job carries no raw body to verify its signature against');
    if (!verifyCarriedSignature(data.platform, raw, data.signature, secret)) {
      throw new PermanentJobError('Webhook signature does not match its body: tampered or signed with another secret');
    }

    const eventId = `${data.platform}-${data.eventId ?? createHash('sha256').update(raw).digest('hex').slice(0, 32)}`;
    if (await deps.store.hasWebhookEvent(eventId)) return { eventId, status: 'duplicate', records: 0, changed: 0 };
    const event = {
      id: eventId,
      integrationId: integration?.id ?? null,
      organizationId: integration?.organizationId ?? data.organizationId ?? null,
      platform: data.platform,
      eventType: data.eventType,
    };

    // What is stored is what was signed: a payload the job carries must be the signed body, not a substitute.
    const body = readSignedBody(raw);
    // JSON text, not isDeepStrictEqual: the job's copy went through JSON once more (-0 comes back as 0).
    if (data.payload !== null && (!body.ok || JSON.stringify(body.payload) !== JSON.stringify(data.payload))) {
      throw new PermanentJobError('Webhook payload does not match its signed body: tampered');
    }
    if (!body.ok) {
      // Authentic but unreadable: a retry cannot read it either. Recorded so it can be looked into.
      ctx.log.warn({ platform: data.platform, eventType: data.eventType, reason: body.unreadable }, 'Signed webhook body is unreadable; recorded, not applied');
      const sha256 = createHash('sha256').update(raw).digest('hex');
      const unreadable = { unreadable: body.unreadable, bytes: raw.length, sha256 };
      const { duplicate } = await deps.store.recordWebhookEvent({ ...event, status: 'skipped', payload: unreadable });
      return { eventId, status: duplicate ? 'duplicate' : 'unreadable', records: 0, changed: 0 };
    }
    const signed = body.payload;

    let mapped: ReturnType<typeof mapWebhookEvent>;
    try {
      mapped = mapWebhookEvent(data.platform, data.eventType, signed);
    } catch (err) {
      throw new PermanentJobError(`Unreadable ${data.platform} ${data.eventType} payload: ${(err as Error).message}`);
    }
    let changed = 0;
    let records = 0;
    let status: 'processed' | 'skipped' | 'unmatched' = 'skipped';
    if (mapped.kind === 'records') {
      if (!integration) {
        status = 'unmatched';
        ctx.log.warn({ platform: data.platform, eventType: data.eventType }, 'Webhook matches no integration; recorded, not applied');
      } else {
        const stored = await deps.store.upsertRecords(integration, mapped.records, 'webhook');
        changed = stored.changed + (await deps.store.recomputeRecordMetrics(integration, stored.affectedDays));
        records = mapped.records.length;
        status = 'processed';
      }
    }
    const { duplicate } = await deps.store.recordWebhookEvent({ ...event, status, payload: signed });
    // Two deliveries processed at once: the upserts were idempotent, so the loser changed nothing.
    return { eventId, status: duplicate ? 'duplicate' : status, records, changed: duplicate ? 0 : changed };
  };
}
