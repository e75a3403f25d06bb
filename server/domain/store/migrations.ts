import type { Kysely, Migration } from 'kysely';
import type { DB } from './schema.ts';

/**
 * Migrations, written with Kysely's schema builder so one definition serves SQLite and PostgreSQL.
 * Append new ones; never edit a released one.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('organizations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('members')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('members_org_email', ['organization_id', 'email'])
        .execute();
      await db.schema
        .createTable('integrations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('credentials', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('base_url', 'text')
        .addColumn('webhook_secret', 'text')
        .addColumn('last_sync_at', 'text')
        .addColumn('sync_cursor', 'text')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('daily_metrics')
        .addColumn('organization_id', 'text', (c) => c.notNull())
        .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
        .addColumn('date', 'text', (c) => c.notNull())
        .addColumn('metric', 'text', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('daily_metrics_pk', ['integration_id', 'date', 'metric'])
        .execute();
      await db.schema.createIndex('daily_metrics_org_date').on('daily_metrics').columns(['organization_id', 'date']).execute();
      await db.schema
        .createTable('platform_records')
        .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text', (c) => c.notNull())
        .addColumn('organization_id', 'text', (c) => c.notNull())
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('occurred_on', 'text', (c) => c.notNull())
        .addColumn('amount', 'double precision', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('platform_updated_at', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('stored_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('platform_records_pk', ['integration_id', 'kind', 'external_id'])
        .execute();
      await db.schema.createIndex('platform_records_day').on('platform_records').columns(['integration_id', 'occurred_on']).execute();
      await db.schema
        .createTable('webhook_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('integration_id', 'text')
        .addColumn('organization_id', 'text')
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sync_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
        .addColumn('organization_id', 'text', (c) => c.notNull())
        .addColumn('job_id', 'text')
        .addColumn('sync_type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .addColumn('pages', 'integer', (c) => c.notNull())
        .addColumn('records', 'integer', (c) => c.notNull())
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('sync_runs_integration').on('sync_runs').columns(['integration_id', 'started_at']).execute();
    },
  },
  '002_insights_reports_alerts_email': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('insights')
        .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
        .addColumn('period', 'text', (c) => c.notNull())
        .addColumn('window_start', 'text', (c) => c.notNull())
        .addColumn('window_end', 'text', (c) => c.notNull())
        .addColumn('insights', 'text', (c) => c.notNull())
        .addColumn('narrative', 'text')
        .addColumn('generated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('insights_pk', ['organization_id', 'period'])
        .execute();
      await db.schema
        .createTable('reports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
        .addColumn('report_type', 'text', (c) => c.notNull())
        .addColumn('period_start', 'text', (c) => c.notNull())
        .addColumn('period_end', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('html', 'text', (c) => c.notNull())
        .addColumn('csv', 'text', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('reports_org').on('reports').columns(['organization_id', 'created_at']).execute();
      await db.schema
        .createTable('alerts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('organization_id', 'text', (c) => c.notNull())
        .addColumn('alert_type', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('occurrences', 'integer', (c) => c.notNull())
        .addColumn('first_at', 'text', (c) => c.notNull())
        .addColumn('last_at', 'text', (c) => c.notNull())
        .addColumn('acknowledged_by', 'text')
        .addColumn('acknowledged_at', 'text')
        .addColumn('resolved_at', 'text')
        .addColumn('health_key', 'text')
        .execute();
      await db.schema.createIndex('alerts_fold').on('alerts').columns(['organization_id', 'alert_type', 'last_at']).execute();
      await db.schema
        .createTable('email_outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('sender', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('template', 'text', (c) => c.notNull())
        .addColumn('html', 'text', (c) => c.notNull())
        .addColumn('text_body', 'text', (c) => c.notNull())
        .addColumn('organization_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('provider', 'text')
        .addColumn('message_id', 'text')
        .addColumn('error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'text')
        .addUniqueConstraint('email_outbox_job_recipient', ['job_id', 'recipient'])
        .execute();
      await db.schema.createIndex('email_outbox_created').on('email_outbox').columns(['created_at']).execute();
    },
  },
  '003_sync_run_notice': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('sync_runs').addColumn('notice', 'text').execute();
    },
  },
  /**
   * Stripe refunds were one synthetic record per charge (`<charge id>-refund`, on the charge's day, for its refunded
   * total); they are now one record per Refund on its own day. The synthetic ones go, the days they counted on get
   * their refund figures again from what remains, and each Stripe integration's next sync is a full one, which reads
   * the refunds of its whole window back from /v1/refunds.
   */
  '004_stripe_refunds_by_refund': {
    async up(raw: Kysely<unknown>) {
      const db = raw as Kysely<Pick<DB, 'platform_records' | 'daily_metrics' | 'integrations'>>;
      const legacy = await db
        .selectFrom('platform_records')
        .select(['integration_id', 'occurred_on'])
        .distinct()
        .where('platform', '=', 'stripe')
        .where('kind', '=', 'refund')
        .where('external_id', 'like', '%-refund')
        .execute();
      if (legacy.length === 0) return;
      await db.deleteFrom('platform_records').where('platform', '=', 'stripe').where('kind', '=', 'refund').where('external_id', 'like', '%-refund').execute();
      for (const { integration_id, occurred_on } of legacy) {
        const left = await db
          .selectFrom('platform_records')
          .select((eb) => [eb.fn.sum<number>('amount').as('total'), eb.fn.countAll<number>().as('n')])
          .where('integration_id', '=', integration_id)
          .where('occurred_on', '=', occurred_on)
          .where('kind', '=', 'refund')
          .where('amount', '<>', 0)
          .executeTakeFirst();
        const values = { refunds: Number(left?.n ?? 0), refund_amount: Math.round(Number(left?.total ?? 0) * 100) / 100 };
        for (const [metric, value] of Object.entries(values)) {
          await db
            .updateTable('daily_metrics')
            .set({ value, updated_at: new Date().toISOString() })
            .where('integration_id', '=', integration_id)
            .where('date', '=', occurred_on)
            .where('metric', '=', metric)
            .execute();
        }
      }
      const ids = [...new Set(legacy.map((l) => l.integration_id))];
      await db.updateTable('integrations').set({ sync_cursor: null }).where('id', 'in', ids).execute();
    },
  },
  /** Each integration's own sync interval, set from the console's Schedules page; null keeps the platform's default. */
  '005_integration_sync_interval': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('integrations').addColumn('sync_every_minutes', 'integer').execute();
    },
  },
  /** People who use the console and the API (issue 15): accounts, one-time invites, personal API tokens (hashed). */
  '006_users': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('oidc_issuer', 'text')
        .addColumn('oidc_subject', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_login_at', 'text')
        .execute();
      await db.schema.createIndex('users_email').on('users').column('email').unique().execute();
      // NULLs are distinct on both stores: only accounts that signed in through single sign-on take part.
      await db.schema.createIndex('users_oidc').on('users').columns(['oidc_issuer', 'oidc_subject']).unique().execute();
      await db.schema
        .createTable('invites')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema.createIndex('invites_token_hash').on('invites').column('token_hash').unique().execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('last_used_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('api_tokens_token_hash').on('api_tokens').column('token_hash').unique().execute();
      await db.schema.createIndex('api_tokens_user').on('api_tokens').columns(['user_id', 'created_at']).execute();
    },
  },
};
