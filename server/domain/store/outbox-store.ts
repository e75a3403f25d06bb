import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { OutboxEmail } from '../../../shared/domain.ts';
import type { DB, EmailOutboxTable } from './schema.ts';

const now = () => new Date().toISOString();

/**
 * Every email the system sends, one row per job and recipient. It is the outbox the console shows
 * when no provider is configured, and the ledger that keeps a retried job from sending twice: a
 * row marked sent is never sent again.
 */
export class OutboxStore {
  constructor(private readonly db: Kysely<DB>) {}

  /** The row for (job, recipient), created pending if new. */
  async claim(e: Omit<EmailOutboxTable, 'id' | 'status' | 'provider' | 'message_id' | 'error' | 'created_at' | 'sent_at'>): Promise<OutboxEmail> {
    await this.db
      .insertInto('email_outbox')
      .values({ ...e, id: randomUUID(), status: 'pending', provider: null, message_id: null, error: null, created_at: now(), sent_at: null })
      .onConflict((oc) => oc.columns(['job_id', 'recipient']).doNothing())
      .execute();
    const row = await this.db
      .selectFrom('email_outbox')
      .selectAll()
      .where('job_id', '=', e.job_id)
      .where('recipient', '=', e.recipient)
      .executeTakeFirstOrThrow();
    return toOutbox(row);
  }

  async markSent(id: string, provider: string, messageId: string): Promise<void> {
    await this.db
      .updateTable('email_outbox')
      .set({ status: 'sent', provider, message_id: messageId, sent_at: now(), error: null })
      .where('id', '=', id)
      .execute();
  }

  async markFailed(id: string, error: string): Promise<void> {
    await this.db.updateTable('email_outbox').set({ status: 'failed', error }).where('id', '=', id).where('status', '!=', 'sent').execute();
  }

  async list(filter: { status?: OutboxEmail['status']; limit?: number; offset?: number } = {}): Promise<{ emails: OutboxEmail[]; total: number }> {
    let q = this.db.selectFrom('email_outbox');
    if (filter.status) q = q.where('status', '=', filter.status);
    const [rows, count] = await Promise.all([
      q
        .selectAll()
        .orderBy('created_at', 'desc')
        .limit(filter.limit ?? 50)
        .offset(filter.offset ?? 0)
        .execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { emails: rows.map(toOutbox), total: Number(count.n) };
  }

  /** One email with its rendered parts, for the console's preview. */
  async get(id: string): Promise<(OutboxEmail & { html: string; text: string }) | undefined> {
    const r = await this.db.selectFrom('email_outbox').selectAll().where('id', '=', id).executeTakeFirst();
    return r && { ...toOutbox(r), html: r.html, text: r.text_body };
  }
}

function toOutbox(r: Selectable<EmailOutboxTable>): OutboxEmail {
  return {
    id: r.id,
    jobId: r.job_id,
    recipient: r.recipient,
    sender: r.sender,
    subject: r.subject,
    template: r.template,
    organizationId: r.organization_id,
    status: r.status as OutboxEmail['status'],
    provider: r.provider,
    messageId: r.message_id,
    error: r.error,
    createdAt: r.created_at,
    sentAt: r.sent_at,
  };
}
