import { z } from 'zod';
import type { Connector, PlatformRecord } from './types.ts';
import { credential, parseBody, requestJson } from './http.ts';
import { addDays, day, dayStartMs, isoSeconds, sinceMs, utcDay, utcIso } from './dates.ts';
import { PlatformRequestError } from './errors.ts';
import { amount } from './money.ts';
import { apiUrl } from './urls.ts';

/** WooCommerce's maximum per_page. */
const PER_PAGE = 100;

const refundSchema = z.looseObject({ id: z.union([z.number(), z.string()]), total: z.union([z.string(), z.number()]) });
export const wooOrderSchema = z.looseObject({
  id: z.union([z.number(), z.string()]),
  status: z.string(),
  currency: z.string(),
  total: z.union([z.string(), z.number()]),
  date_created_gmt: z.string(),
  date_modified_gmt: z.string().nullish(),
  refunds: z.array(refundSchema).default([]),
});
const ordersSchema = z.array(wooOrderSchema);

export type WooOrder = z.infer<typeof wooOrderSchema>;

/**
 * An order and the refunds it lists. The listing gives a refund no date (only /orders/{id}/refunds
 * does): it counts on the day the order was last modified, which a refund does.
 */
export function wooOrderToRecords(order: WooOrder): PlatformRecord[] {
  const modified = order.date_modified_gmt ?? order.date_created_gmt;
  const records: PlatformRecord[] = [
    {
      kind: 'order',
      externalId: String(order.id),
      occurredOn: utcDay(order.date_created_gmt),
      amount: amount(order.total, 'total'),
      currency: order.currency,
      status: order.status,
      updatedAt: utcIso(modified),
      payload: order,
    },
  ];
  for (const refund of order.refunds) {
    records.push({
      kind: 'refund',
      externalId: String(refund.id),
      occurredOn: utcDay(modified),
      // Listed as a negative total ("-5.00"); a refund record's amount is what went back.
      amount: Math.abs(amount(refund.total, 'refund total')),
      currency: order.currency,
      status: 'completed',
      updatedAt: utcIso(modified),
      payload: { ...refund, order_id: order.id },
    });
  }
  return records;
}

/** WooCommerce's after/before/modified_after are exclusive and to the second: widen by a second. */
const gmt = (ms: number) => isoSeconds(ms).replace('Z', '');

export const woocommerceConnector: Connector = {
  platform: 'woocommerce',
  defaultBaseUrl: '{storeUrl}',
  async fetchPage(ctx, window, pageToken) {
    const page = pageToken ? Number(pageToken) : 1;
    if (!Number.isInteger(page) || page < 1) throw new PlatformRequestError(`bad WooCommerce page token: ${pageToken}`);
    const url = apiUrl(ctx.baseUrl, ctx.settings, '/wp-json/wc/v3/orders', {
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
    const basic = Buffer.from(`${credential(ctx, 'consumerKey')}:${credential(ctx, 'consumerSecret')}`).toString('base64');
    const { body, headers } = await requestJson(ctx, url, { headers: { Authorization: `Basic ${basic}`, Accept: 'application/json' } });
    const orders = parseBody(ordersSchema, body, 'WooCommerce orders');
    const totalPages = Number(headers.get('x-wp-totalpages') ?? '1');
    return {
      records: orders.flatMap(wooOrderToRecords),
      metrics: [],
      nextPage: Number.isFinite(totalPages) && page < totalPages ? String(page + 1) : undefined,
    };
  },
};
