import express, { type Request, type Response } from 'express';
import { PLATFORMS } from '../../shared/jobs.ts';
import { QueueName } from '../../shared/queues.ts';
import type { Logger } from '../logger.ts';
import type { QueueService } from '../queue/queue-service.ts';
import { webhookFor, webhookJobId } from '../webhooks/platforms.ts';
import type { WebhookSecretLookup } from '../webhooks/secrets.ts';
import { sendError } from './errors.ts';

export interface WebhookDeps {
  queueService: QueueService;
  secretFor: WebhookSecretLookup;
  bodyLimit: string;
  log: Logger;
}

/**
 * POST /api/webhooks/:platform: verify the signature over the raw bytes, enqueue, answer 200
 * `{received: true}` at once. The platform's event id is the job id, so a redelivery adds nothing.
 */
export function webhookRoutes(deps: WebhookDeps): express.Router {
  const router = express.Router();
  router.post('/:platform', express.raw({ type: () => true, limit: deps.bodyLimit }), async (req: Request, res: Response) => {
    const platform = String(req.params.platform);
    if (!(PLATFORMS as readonly string[]).includes(platform)) return sendError(res, 404, 'UNKNOWN_PLATFORM', `No webhooks for "${platform}"`);
    const integrationId = typeof req.query.integration === 'string' ? req.query.integration : undefined;
    const secret = await deps.secretFor(platform, integrationId);
    if (!secret) return sendError(res, 404, 'NOT_CONFIGURED', `Webhooks for "${platform}" are not configured`);

    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const hook = webhookFor(platform);
    const verdict = hook.verify(raw, req.headers, secret);
    if (!verdict.ok) {
      deps.log.warn({ platform, reason: verdict.reason }, 'Webhook refused: signature check failed');
      return sendError(res, 401, 'BAD_SIGNATURE', 'Signature verification failed');
    }
    let payload: unknown;
    try {
      payload = JSON.parse(raw.toString('utf8'));
    } catch {
      return sendError(res, 400, 'BAD_REQUEST', 'Body is not valid JSON');
    }
    const event = hook.describe(payload, req.headers);
    const jobId = event.eventId ? webhookJobId(platform, event.eventId) : undefined;
    const job = await deps.queueService.addJob(
      QueueName.WEBHOOK_PROCESSING,
      { platform, eventType: event.eventType, payload: payload as object, signature: event.signature, eventId: event.eventId, rawBody: raw.toString('utf8'), ...(integrationId ? { integrationId } : {}) },
      jobId ? { jobId } : undefined,
    );
    res.json({ received: true, jobId: job.id });
  });
  return router;
}
