import { z } from 'zod';
import type { Connector, ConnectorContext, PlatformRecord } from './types.ts';
import { credential, parseBody, requestJson } from './http.ts';
import { addDays, day, dayStartMs, isoSeconds, sinceMs, utcDay, utcIso } from './dates.ts';
import { PlatformAccessError, PlatformAuthError, type PlatformError, PlatformRequestError, PlatformTransientError } from './errors.ts';
import { amount } from './money.ts';
import { signOneLegged } from './oauth1.ts';
import { apiUrl } from './urls.ts';

/**
 * WooCommerce REST API v3 (/wp-json/wc/v3): orders by creation window (or modified since the cursor),
 * and their refunds from /orders/{id}/refunds, which — unlike the order listing — dates them.
 */

/** WooCommerce's maximum per_page. */
const PER_PAGE = 100;
const ORDERS_PATH = '/wp-json/wc/v3/orders';

const id = z.union([z.number(), z.string()]);
const decimal = z.union([z.string(), z.number()]);

/** A refund as the order listing (and an order webhook) shows it: id, reason, negative total, no date. */
const listedRefundSchema = z.looseObject({ id, total: decimal });
export const wooOrderSchema = z.looseObject({
  id,
  status: z.string(),
  currency: z.string(),
  total: decimal,
  date_created_gmt: z.string(),
  date_modified_gmt: z.string().nullish(),
  refunds: z.array(listedRefundSchema).default([]),
});
const ordersSchema = z.array(wooOrderSchema);

/** GET /orders/{id}/refunds (and the store-wide /refunds of WooCommerce 9.0+): a positive amount and its own date. */
export const wooRefundSchema = z.looseObject({ id, date_created_gmt: z.string(), amount: decimal });
const refundsSchema = z.array(wooRefundSchema);

export type WooOrder = z.infer<typeof wooOrderSchema>;
export type WooRefund = z.infer<typeof wooRefundSchema>;

/** The order itself; its refunds are records of their own, read from the refunds endpoint. */
export function wooOrderToRecord(order: WooOrder): PlatformRecord {
  return {
    kind: 'order',
    externalId: String(order.id),
    occurredOn: utcDay(order.date_created_gmt),
    amount: amount(order.total, 'total'),
    currency: order.currency,
    status: order.status,
    updatedAt: utcIso(order.date_modified_gmt ?? order.date_created_gmt),
    payload: order,
  };
}

/** A refund counts on the UTC day it was made (`date_created_gmt`), in its order's currency. */
export function wooRefundToRecord(refund: WooRefund, order: { id: string | number; currency: string }): PlatformRecord {
  return {
    kind: 'refund',
    externalId: String(refund.id),
    occurredOn: utcDay(refund.date_created_gmt),
    // Positive here ("9.00"); the order listing shows the same refund as "-9.00".
    amount: Math.abs(amount(refund.amount, 'refund amount')),
    currency: order.currency,
    status: 'completed',
    updatedAt: utcIso(refund.date_created_gmt),
    payload: { ...refund, order_id: order.id },
  };
}

// — auth —

/**
 * WordPress takes the keys as Basic auth only when it sees HTTPS (is_ssl()); over http it ignores
 * them and wants OAuth 1.0a one-legged signing, parameters in the query (WooCommerce's REST docs,
 * "Authentication"). So the scheme decides, as in woocommerce-rest-api-js-lib.
 */
export function wooAuthorize(url: URL, credentials: Record<string, string>): { url: URL; headers: Record<string, string> } {
  const consumerKey = credential({ credentials }, 'consumerKey');
  const consumerSecret = credential({ credentials }, 'consumerSecret');
  if (url.protocol === 'https:') return { url, headers: { Authorization: `Basic ${Buffer.from(`${consumerKey}:${consumerSecret}`).toString('base64')}` } };
  return { url: signOneLegged(url, { consumerKey, consumerSecret }), headers: {} };
}

const wpErrorSchema = z.looseObject({ code: z.string(), message: z.string() });

/** WordPress's error body read into what a person must do; undefined leaves it to the status. */
export function wooError(status: number, body: unknown, scheme: string): PlatformError | undefined {
  const parsed = wpErrorSchema.safeParse(body);
  if (!parsed.success || (status !== 401 && status !== 403)) return undefined;
  const { code, message } = parsed.data;
  const said = `WooCommerce → ${status} ${code}: ${message}`;
  if (code === 'woocommerce_rest_authentication_error' && /timestamp/i.test(message)) {
    return new PlatformAccessError(
      `${said} (this server's clock and the store's differ by more than 15 minutes: fix the clock)`,
      'PLATFORM_CLOCK_SKEW',
      status,
    );
  }
  // Nonces are random: a repeat is a fluke, and the retry signs with a fresh one.
  if (code === 'woocommerce_rest_authentication_error' && /nonce/i.test(message)) return new PlatformTransientError(said, status);
  if (/signature/i.test(message)) {
    return new PlatformAuthError(`${said} (the store URL must be WordPress's own address, scheme and port included: the signature covers it)`, status);
  }
  if (code === 'woocommerce_rest_cannot_view') {
    const hint =
      scheme === 'https:'
        ? 'WordPress takes the keys over HTTPS only when it sees HTTPS itself (behind a TLS proxy it must be told), and the key needs Read access'
        : 'the key needs Read access';
    return new PlatformAuthError(`${said} (${hint})`, status);
  }
  return new PlatformAuthError(said, status);
}

async function wooGet(ctx: ConnectorContext, path: string, query: Record<string, string | number | undefined>) {
  const url = apiUrl(ctx.baseUrl, ctx.settings, path, query);
  const auth = wooAuthorize(url, ctx.credentials);
  return requestJson(ctx, auth.url, {
    headers: { ...auth.headers, Accept: 'application/json' },
    mapError: (status, body) => wooError(status, body, url.protocol),
  });
}

const totalPages = (headers: Headers) => {
  const n = Number(headers.get('x-wp-totalpages') ?? '1');
  return Number.isFinite(n) ? n : 1;
};

// — paging —

/** Orders of a listed page whose refunds are still to read (one call each), then the next orders page. */
const refundStepSchema = z.object({
  next: z.number().int().min(1).optional(),
  refunds: z.array(z.object({ order: z.string(), currency: z.string(), page: z.number().int().min(1).default(1) })).min(1),
});
type RefundStep = z.infer<typeof refundStepSchema>;
type Step = { orders: number } | RefundStep;

/** "3" is orders page 3 (as before refunds had calls of their own); JSON is a refund step. */
function readToken(token: string | undefined): Step {
  if (!token) return { orders: 1 };
  if (/^\d+$/.test(token) && Number(token) >= 1) return { orders: Number(token) };
  try {
    return refundStepSchema.parse(JSON.parse(token));
  } catch {
    throw new PlatformRequestError(`bad WooCommerce page token: ${token.slice(0, 120)}`);
  }
}

const writeToken = (next: number | undefined, refunds: RefundStep['refunds']): string | undefined =>
  refunds.length > 0 ? JSON.stringify({ ...(next ? { next } : {}), refunds }) : next ? String(next) : undefined;

/** WooCommerce's after/before/modified_after are exclusive and to the second: widen by a second. */
const gmt = (ms: number) => isoSeconds(ms).replace('Z', '');

/**
 * One call per page: a page of orders (oldest id first), then, for each of its orders that lists
 * refunds, a page of that order's refunds — so every call is checkpointed and counts against the
 * integration's call budget, and a page never makes more than one.
 */
export const woocommerceConnector: Connector = {
  platform: 'woocommerce',
  defaultBaseUrl: '{storeUrl}',
  async fetchPage(ctx, window, pageToken) {
    const step = readToken(pageToken);

    if ('refunds' in step) {
      const [order, ...rest] = step.refunds;
      const { body, headers } = await wooGet(ctx, `${ORDERS_PATH}/${encodeURIComponent(order.order)}/refunds`, { page: order.page, per_page: PER_PAGE });
      const refunds = parseBody(refundsSchema, body, 'WooCommerce order refunds');
      const more = order.page < totalPages(headers) ? [{ ...order, page: order.page + 1 }] : [];
      return {
        records: refunds.map((r) => wooRefundToRecord(r, { id: order.order, currency: order.currency })),
        metrics: [],
        nextPage: writeToken(step.next, [...more, ...rest]),
      };
    }

    const page = step.orders;
    const { body, headers } = await wooGet(ctx, ORDERS_PATH, {
      page,
      per_page: PER_PAGE,
      // Oldest id first: orders created while we page land on the last page instead of shifting the others.
      orderby: 'id',
      order: 'asc',
      dates_are_gmt: 'true',
      after: gmt(dayStartMs(day(window.startDate)) - 1000),
      before: gmt(dayStartMs(addDays(day(window.endDate), 1))),
      modified_after: window.since ? gmt(sinceMs(window.since) - 1000) : undefined,
    });
    const orders = parseBody(ordersSchema, body, 'WooCommerce orders');
    const withRefunds = orders.filter((o) => o.refunds.length > 0).map((o) => ({ order: String(o.id), currency: o.currency, page: 1 }));
    return {
      records: orders.map(wooOrderToRecord),
      metrics: [],
      nextPage: writeToken(page < totalPages(headers) ? page + 1 : undefined, withRefunds),
    };
  },
};
