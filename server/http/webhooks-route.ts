import express, { type Request, type Response } from 'express';
import { PLATFORMS } from '../../shared/jobs.ts';
import { QueueName } from '../../shared/queues.ts';
import type { Logger } from '../logger.ts';
import type { QueueService } from '../queue/queue-service.ts';
import { integrationParam, readSignedBody, webhookJobFor } from '../webhooks/delivery.ts';
import { webhookFor } from '../webhooks/platforms.ts';
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
 * `{received: true}` at once. The platform's event id is the job id, so a redelivery adds nothing;
 * the same signed body under a fresh (unsigned) delivery id adds nothing for 24 h either. A correctly
 * signed delivery is never answered 4xx (Shopify and Stripe would retry it for days; WooCommerce never
 * retries, it loses the event and disables the webhook after more than 5 failures in a row): what
 * cannot be read is queued and recorded as unreadable. A platform's unsigned URL check (WooCommerce's
 * ping) is answered 200 and queues nothing.
 */
export function webhookRoutes(deps: WebhookDeps): express.Router {
  const router = express.Router();
  router.post('/:platform', express.raw({ type: () => true, limit: deps.bodyLimit }), async (req: Request, res: Response) => {
    const platform = String(req.params.platform);
    if (!(PLATFORMS as readonly string[]).includes(platform)) return sendError(res, 404, 'UNKNOWN_PLATFORM', `No webhooks for "${platform}"`);
    const integrationId = integrationParam(req.query.integration);
    const secret = await deps.secretFor(platform, integrationId);
    if (!secret) return sendError(res, 404, 'NOT_CONFIGURED', `Webhooks for "${platform}" are not configured`);

    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const hook = webhookFor(platform);
    // Read only where a line is written: req.log is made on first read, and an accepted delivery writes none.
    const log = () => req.log ?? deps.log;
    if (hook.isPing?.(raw, req.headers)) {
      log().info({ platform, integrationId }, 'Webhook ping answered');
      return res.json({ received: true, ping: true });
    }
    const verdict = hook.verify(raw, req.headers, secret);
    if (!verdict.ok) {
      log().warn({ platform, reason: verdict.reason }, 'Webhook refused: signature check failed');
      return sendError(res, 401, 'BAD_SIGNATURE', 'Signature verification failed');
    }
    const body = readSignedBody(raw);
    const job = webhookJobFor({ platform, raw, body, event: hook.describe(body.ok ? body.payload : undefined, req.headers, raw), integrationId });
    if (job.tooLarge) {
      log().warn({ platform, bytes: raw.length }, 'Webhook refused: body too large to queue');
      return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `Webhook body is too large to queue (${raw.length} bytes)`);
    }
    if (job.unreadable) {
      log().warn({ platform, eventType: job.data.eventType, reason: job.unreadable }, 'Signed webhook is unreadable; queued to be recorded');
    }
    const queued = await deps.queueService.addJob(QueueName.WEBHOOK_PROCESSING, job.data, job.opts);
    res.json({ received: true, jobId: queued.id, ...(job.unreadable ? { unreadable: job.unreadable } : {}) });
  });
  return router;
}
