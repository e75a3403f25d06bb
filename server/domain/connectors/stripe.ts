import { z } from 'zod';
import type { Connector, ConnectorContext, Page, PlatformRecord, SyncWindow } from './types.ts';
import { DEFAULT_API_VERSIONS } from './api-versions.ts';
import { PlatformAccessError, PlatformRequestError, type PlatformError } from './errors.ts';
import { credential, parseBody, requestJson } from './http.ts';
import { addDays, day, dayStartMs, sinceMs, utcDay } from './dates.ts';
import { apiUrl } from './urls.ts';
import {
  stripeChargeSchema,
  stripeChargeToRecords,
  stripeDisputeSchema,
  stripeDisputeToRecord,
  stripeEventSchema,
  stripeEventToRecords,
  stripeRefundSchema,
  stripeRefundToRecord,
  type StripeEvent,
  type StripeObjectFilter,
} from './stripe-records.ts';

export * from './stripe-records.ts';
export { stripeAmount, stripeMinorPerMajor } from './stripe-currencies.ts';

/**
 * Stripe: charges, refunds and disputes, read by creation window, and — on an incremental sync —
 * what changed since the cursor on older ones, through the Events API.
 *
 * Why both: Stripe lists only filter by `created`, and a charge changes after its day (pending →
 * succeeded, captured, refunded, disputed). `/v1/refunds` and `/v1/disputes` by creation window give
 * new refunds and chargebacks dated by their own day, whatever the charge's age (since 2022-11-15
 * a charge no longer embeds its refunds). The Events API (`GET /v1/events`, "going back up to 30
 * days") is the only read of *changes*: a pending charge that settled, an authorization captured,
 * a refund that failed, a dispute won — on objects created before the lists' window. Events render
 * their object at the version of the day they happened, so they are read for objects the lists did
 * not cover, oldest first, so each object ends in its newest state.
 */

/** Stripe's maximum page size. */
const LIMIT = 100;
/** Events are kept 30 days (docs: "List events, going back up to 30 days"). */
const EVENT_RETENTION_SEC = 30 * 86_400;
/** Events are read from a little before the cursor: one that became visible late is not lost. */
const EVENT_OVERLAP_SEC = 300;

/**
 * The changes read from the Events API (at most 20 types), kept for charges, refunds and disputes
 * created before the lists' window. refund.created and charge.dispute.created are left out (the
 * lists read new objects whole), as is `charge.refunded` (the charge without its refunds, which come
 * from /v1/refunds); charge.succeeded is in for a pending charge that settles.
 */
export const STRIPE_SYNC_EVENT_TYPES = [
  'charge.succeeded',
  'charge.failed',
  'charge.captured',
  'charge.expired',
  'charge.updated',
  'refund.updated',
  'refund.failed',
  'charge.refund.updated',
  'charge.dispute.funds_withdrawn',
  'charge.dispute.funds_reinstated',
  'charge.dispute.closed',
] as const;

/** Alert for a version Stripe refuses (same type as Meta's). */
export const STRIPE_API_VERSION_ALERT = 'API_VERSION_ERROR';

// — the page token: which phase, and Stripe's cursor in it —

type Phase = 'charges' | 'refunds' | 'disputes';
type Cursor =
  | { phase: Phase; after?: string }
  /** Find the newest event before the window: the anchor the ascending walk starts from. */
  | { phase: 'events'; step: 'anchor' }
  /** No event before the window (or it expired): walk down to the oldest first. */
  | { phase: 'events'; step: 'seek'; after?: string }
  /** Walk up (oldest first) from just after `before`. */
  | { phase: 'events'; step: 'up'; before: string };

/** "charges:ch_1", "refunds:", "events:anchor", "events:seek:evt_1", "events:up:evt_1" (no token: the first charges page). */
export function encodeStripeToken(c: Cursor): string {
  if (c.phase !== 'events') return `${c.phase}:${c.after ?? ''}`;
  if (c.step === 'anchor') return 'events:anchor';
  if (c.step === 'seek') return `events:seek:${c.after ?? ''}`;
  return `events:up:${c.before}`;
}

export function decodeStripeToken(token: string | undefined): Cursor {
  if (!token) return { phase: 'charges' };
  // A checkpoint from before phases: a bare charge id was the charges cursor.
  if (/^ch_\w+$/.test(token)) return { phase: 'charges', after: token };
  const m = /^(charges|refunds|disputes):([\w-]*)$/.exec(token);
  if (m) return { phase: m[1] as Phase, ...(m[2] ? { after: m[2] } : {}) };
  if (token === 'events:anchor') return { phase: 'events', step: 'anchor' };
  const seek = /^events:seek:([\w-]*)$/.exec(token);
  if (seek) return { phase: 'events', step: 'seek', ...(seek[1] ? { after: seek[1] } : {}) };
  const up = /^events:up:([\w-]+)$/.exec(token);
  if (up) return { phase: 'events', step: 'up', before: up[1] };
  throw new PlatformRequestError(`unreadable Stripe page token: ${token.slice(0, 80)}`);
}

// — the window, in Stripe's unix seconds —

const unix = (ms: number) => Math.floor(ms / 1000);

interface Bounds {
  /** Lists read objects created in [from, to]. */
  from: number;
  to: number;
  /** The window's first second: events about objects older than this are not this store's. */
  start: number;
  /** Events from this second on (incremental only). */
  eventsFrom?: number;
}

function bounds(window: SyncWindow): Bounds {
  const start = unix(dayStartMs(day(window.startDate)));
  const to = unix(dayStartMs(addDays(day(window.endDate), 1))) - 1;
  if (!window.since) return { from: start, to, start };
  const since = sinceMs(window.since);
  // The lists re-read from the day before the cursor's day: objects created while the last run was
  // under way are read whole, and the events phase leaves everything in [from, to] to them.
  const from = Math.max(start, unix(dayStartMs(addDays(utcDay(since / 1000), -1))));
  return { from, to, start, eventsFrom: unix(since) - EVENT_OVERLAP_SEC };
}

const PHASES: Phase[] = ['charges', 'refunds', 'disputes'];
/** After the lists, events, unless the lists covered the whole window (a full sync, or a cursor older than the window). */
const nextPhase = (phase: Phase, b: Bounds): Cursor | undefined => {
  const i = PHASES.indexOf(phase);
  if (i < PHASES.length - 1) return { phase: PHASES[i + 1] };
  return b.eventsFrom !== undefined && b.from > b.start ? { phase: 'events', step: 'anchor' } : undefined;
};

// — responses —

const listOf = <T extends z.ZodType>(item: T) => z.looseObject({ data: z.array(item), has_more: z.boolean() });
const chargeList = listOf(stripeChargeSchema);
const refundList = listOf(stripeRefundSchema);
const disputeList = listOf(stripeDisputeSchema);
const eventList = listOf(stripeEventSchema);
/** The list envelopes the connector reads (fixtures are checked against them). */
export const STRIPE_LIST_SCHEMAS = { charges: chargeList, refunds: refundList, disputes: disputeList, events: eventList };

/** Each list phase: where, and its page as records plus the last id (Stripe's cursor). */
const LISTS: Record<Phase, { path: string; read(body: unknown): { records: PlatformRecord[]; lastId?: string; hasMore: boolean } }> = {
  charges: {
    path: '/v1/charges',
    read(body) {
      const l = parseBody(chargeList, body, 'Stripe charges');
      return { records: l.data.flatMap((c) => stripeChargeToRecords(c)), lastId: l.data.at(-1)?.id, hasMore: l.has_more };
    },
  },
  refunds: {
    path: '/v1/refunds',
    read(body) {
      const l = parseBody(refundList, body, 'Stripe refunds');
      return { records: l.data.map((r) => stripeRefundToRecord(r)), lastId: l.data.at(-1)?.id, hasMore: l.has_more };
    },
  },
  disputes: {
    path: '/v1/disputes',
    read(body) {
      const l = parseBody(disputeList, body, 'Stripe disputes');
      return { records: l.data.flatMap((d) => stripeDisputeToRecord(d) ?? []), lastId: l.data.at(-1)?.id, hasMore: l.has_more };
    },
  },
};

/**
 * Stripe's own readings of an error: a Stripe-Version it does not know is a 400 ("Invalid Stripe API
 * version: …", stripe/stripity-stripe#613) that only configuration can fix. A 429 is http.ts's: it names
 * no wait (the docs advise exponential backoff), so the sync backs off on its own unless Retry-After is there.
 */
export function stripeErrorMapper(apiVersion: string) {
  return (status: number, body: unknown): PlatformError | undefined => {
    const error = (body as { error?: { message?: unknown; code?: unknown } } | undefined)?.error;
    const message = typeof error?.message === 'string' ? error.message.slice(0, 300) : undefined;
    if (status === 400 && message && /stripe api version|stripe-version/i.test(message)) {
      return new PlatformAccessError(
        `Stripe refused API version "${apiVersion}": set STRIPE_API_VERSION to a version Stripe lists. Stripe said: ${message}`,
        STRIPE_API_VERSION_ALERT,
        status,
      );
    }
    return undefined;
  };
}

export interface StripeConnectorOptions {
  /** The Stripe-Version header; default DEFAULT_API_VERSIONS.stripe. */
  apiVersion?: string;
}

export function createStripeConnector(opts: StripeConnectorOptions = {}): Connector {
  const apiVersion = opts.apiVersion || DEFAULT_API_VERSIONS.stripe;
  const mapError = stripeErrorMapper(apiVersion);

  const get = async (ctx: ConnectorContext, path: string, query: Record<string, string | number | undefined>) => {
    const url = apiUrl(ctx.baseUrl, ctx.settings, path, query);
    const { body } = await requestJson(ctx, url, {
      headers: { Authorization: `Bearer ${credential(ctx, 'secretKey')}`, Accept: 'application/json', 'Stripe-Version': apiVersion },
      mapError,
    });
    return body;
  };

  const eventTypes = Object.fromEntries(STRIPE_SYNC_EVENT_TYPES.map((t, i) => [`types[${i}]`, t]));

  async function listPage(ctx: ConnectorContext, b: Bounds, phase: Phase, after?: string): Promise<Page> {
    const spec = LISTS[phase];
    const page = spec.read(await get(ctx, spec.path, { limit: LIMIT, 'created[gte]': b.from, 'created[lte]': b.to, starting_after: after }));
    const next: Cursor | undefined = page.hasMore && page.lastId ? { phase, after: page.lastId } : nextPhase(phase, b);
    return { records: page.records, metrics: [], nextPage: next && encodeStripeToken(next) };
  }

  async function eventsPage(ctx: ConnectorContext, b: Bounds, eventsFrom: number, cursor: Extract<Cursor, { phase: 'events' }>): Promise<Page> {
    // Objects the lists read ([from, to]) are current already; older than the window is not ours.
    const keep: StripeObjectFilter = (_kind, created) => created >= b.start && created < b.from;
    const toRecords = (events: StripeEvent[]) =>
      // Oldest first, so an object changed twice ends in its newest state (the store keeps the last).
      [...events].reverse().flatMap((e) => stripeEventToRecords(e, keep));
    const expired = eventsFrom < unix(Date.now()) - EVENT_RETENTION_SEC;
    const notice = expired
      ? `Stripe keeps events 30 days and this sync's cursor is older: changes to charges created before ${new Date(b.from * 1000).toISOString().slice(0, 10)} may be missed; run a full sync`
      : undefined;

    if (cursor.step === 'anchor') {
      const body = await get(ctx, '/v1/events', { limit: 1, 'created[lt]': eventsFrom, ...eventTypes });
      const [anchor] = parseBody(eventList, body, 'Stripe events').data;
      const next: Cursor = anchor ? { phase: 'events', step: 'up', before: anchor.id } : { phase: 'events', step: 'seek' };
      return { records: [], metrics: [], nextPage: encodeStripeToken(next), ...(notice ? { notice } : {}) };
    }
    if (cursor.step === 'seek') {
      const body = await get(ctx, '/v1/events', { limit: LIMIT, 'created[gte]': eventsFrom, starting_after: cursor.after, ...eventTypes });
      const list = parseBody(eventList, body, 'Stripe events');
      const last = list.data.at(-1);
      if (list.has_more && last) return { records: [], metrics: [], nextPage: encodeStripeToken({ phase: 'events', step: 'seek', after: last.id }) };
      // The oldest page: read it, then walk up from its newest event.
      const newest = list.data[0];
      return {
        records: toRecords(list.data),
        metrics: [],
        nextPage: newest ? encodeStripeToken({ phase: 'events', step: 'up', before: newest.id }) : undefined,
      };
    }
    // Newest first within the page, as every Stripe list; `ending_before` pages towards the present.
    const body = await get(ctx, '/v1/events', { limit: LIMIT, ending_before: cursor.before, ...eventTypes });
    const list = parseBody(eventList, body, 'Stripe events');
    const newest = list.data[0];
    return {
      records: toRecords(list.data),
      metrics: [],
      nextPage: list.has_more && newest ? encodeStripeToken({ phase: 'events', step: 'up', before: newest.id }) : undefined,
    };
  }

  return {
    platform: 'stripe',
    defaultBaseUrl: 'https://api.stripe.com',
    async fetchPage(ctx, window, pageToken) {
      const cursor = decodeStripeToken(pageToken);
      const b = bounds(window);
      if (cursor.phase === 'events') {
        if (b.eventsFrom === undefined) throw new PlatformRequestError('Stripe events page token in a sync without a cursor');
        return eventsPage(ctx, b, b.eventsFrom, cursor);
      }
      return listPage(ctx, b, cursor.phase, cursor.after);
    },
  };
}

/** At the default Stripe-Version (tests, scripts). */
export const stripeConnector: Connector = createStripeConnector();
