import type { EmailJobData } from '../../../shared/jobs.ts';
import { PermanentJobError, type ProcessorContext } from '../../jobs/contract.ts';
import type { Store } from '../store/store.ts';
import { EmailDataError, renderEmail } from './templates.ts';
import { EmailRejectedError, normaliseRecipients } from './transports.ts';
import type { EmailTransport } from './types.ts';

export interface EmailDeps {
  store: Store;
  transport: EmailTransport;
  from: string;
}

export interface EmailResult {
  sent: string[];
  /** Accepted by the provider on an earlier attempt: not sent again. */
  alreadySent: string[];
  rejected: Array<{ to: string; error: string }>;
  provider: string;
}

/**
 * The email processor: renders the template (user data escaped), then sends one message per
 * recipient, each recorded in the outbox ledger by (job, recipient). A retried job skips the
 * recipients the provider already accepted, and sends with the same idempotency key, so nobody gets
 * a message twice. Without a provider the outbox is the destination and the console shows it.
 */
export function createEmailProcessor(deps: EmailDeps) {
  return async function sendEmail(data: EmailJobData, ctx: ProcessorContext): Promise<EmailResult> {
    let recipients: string[];
    let rendered: ReturnType<typeof renderEmail>;
    try {
      recipients = normaliseRecipients(data.to);
      rendered = renderEmail(data.template, data.data, data.subject);
    } catch (err) {
      if (err instanceof EmailDataError) throw new PermanentJobError(err.message);
      throw err;
    }
    const result: EmailResult = { sent: [], alreadySent: [], rejected: [], provider: deps.transport.name };
    let transientError: unknown;
    for (const to of recipients) {
      const row = await deps.store.outbox.claim({
        job_id: ctx.jobKey,
        recipient: to,
        sender: deps.from,
        subject: rendered.subject,
        template: data.template,
        html: rendered.html,
        text_body: rendered.text,
        organization_id: data.organizationId ?? null,
      });
      if (row.status === 'sent') {
        result.alreadySent.push(to);
        continue;
      }
      try {
        const accepted = await deps.transport.send({ ...rendered, from: deps.from, to, idempotencyKey: `${ctx.jobKey}:${to}` }, ctx.signal);
        await deps.store.outbox.markSent(row.id, accepted.provider, accepted.messageId);
        result.sent.push(to);
      } catch (err) {
        await deps.store.outbox.markFailed(row.id, (err as Error).message);
        if (err instanceof EmailRejectedError) result.rejected.push({ to, error: err.message });
        else transientError ??= err; // go on with the others; the retry sends only what is left
      }
    }
    if (transientError) throw transientError;
    if (result.sent.length === 0 && result.alreadySent.length === 0 && result.rejected.length > 0) {
      throw new PermanentJobError(`Every recipient was refused: ${result.rejected.map((r) => `${r.to}: ${r.error}`).join('; ')}`);
    }
    return result;
  };
}

/** The outbox as a transport: the message is already in the ledger; delivering it is recording it. */
export function outboxTransport(): EmailTransport {
  return {
    name: 'outbox',
    async send(message) {
      return { provider: 'outbox', messageId: `outbox:${message.idempotencyKey}` };
    },
  };
}
