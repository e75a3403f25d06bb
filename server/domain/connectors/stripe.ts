import { z } from 'zod';
import type { Connector, PlatformRecord } from './types.ts';
import { credential, parseBody, requestJson } from './http.ts';
import { addDays, day, dayStartMs, sinceMs, utcDay, utcIso } from './dates.ts';
import { apiUrl } from './urls.ts';

/** Stripe's maximum page size. */
const LIMIT = 100;

/** Currencies Stripe counts in whole units (https://docs.stripe.com/currencies#zero-decimal). */
const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);

/** Minor units (4990 cents) → major (49.90); zero-decimal currencies are already major. */
export const stripeAmount = (minor: number, currency: string): number => (ZERO_DECIMAL.has(currency.toLowerCase()) ? minor : minor / 100);

export const stripeChargeSchema = z.looseObject({
  id: z.string(),
  amount: z.number().int(),
  amount_refunded: z.number().int().default(0),
  currency: z.string(),
  created: z.number().int(),
  status: z.string(),
  // Only older API versions (or expand[]=refunds) embed refunds; then the latest one dates the refund.
  refunds: z.looseObject({ data: z.array(z.looseObject({ created: z.number().int() })).default([]) }).nullish(),
});
const listSchema = z.looseObject({ data: z.array(stripeChargeSchema), has_more: z.boolean() });

export type StripeCharge = z.infer<typeof stripeChargeSchema>;

/**
 * A charge (status kept: only `succeeded` ones are revenue) and, when money went back, one refund
 * record for the charge's refunded total. Charges never change their `created`, and have no other
 * change time, so it stands in for updatedAt.
 */
export function stripeChargeToRecords(charge: StripeCharge): PlatformRecord[] {
  const currency = charge.currency.toUpperCase();
  const records: PlatformRecord[] = [
    {
      kind: 'charge',
      externalId: charge.id,
      occurredOn: utcDay(charge.created),
      amount: stripeAmount(charge.amount, charge.currency),
      currency,
      status: charge.status,
      updatedAt: utcIso(charge.created),
      payload: charge,
    },
  ];
  if (charge.amount_refunded > 0) {
    const refundedAt = Math.max(charge.created, ...(charge.refunds?.data ?? []).map((r) => r.created));
    records.push({
      kind: 'refund',
      externalId: `${charge.id}-refund`,
      occurredOn: utcDay(refundedAt),
      amount: stripeAmount(charge.amount_refunded, charge.currency),
      currency,
      status: 'succeeded',
      updatedAt: utcIso(refundedAt),
      payload: { charge: charge.id, amount_refunded: charge.amount_refunded, currency: charge.currency },
    });
  }
  return records;
}

const unix = (ms: number) => Math.floor(ms / 1000);

export const stripeConnector: Connector = {
  platform: 'stripe',
  defaultBaseUrl: 'https://api.stripe.com',
  async fetchPage(ctx, window, pageToken) {
    let from = dayStartMs(day(window.startDate));
    // Stripe lists by creation only: an incremental run re-reads from the day before the cursor's day.
    if (window.since) from = Math.max(from, dayStartMs(addDays(utcDay(sinceMs(window.since) / 1000), -1)));
    const url = apiUrl(ctx.baseUrl, ctx.settings, '/v1/charges', {
      limit: LIMIT,
      'created[gte]': unix(from),
      'created[lte]': unix(dayStartMs(addDays(day(window.endDate), 1))) - 1,
      starting_after: pageToken,
    });
    const { body } = await requestJson(ctx, url, {
      headers: { Authorization: `Bearer ${credential(ctx, 'secretKey')}`, Accept: 'application/json' },
    });
    const list = parseBody(listSchema, body, 'Stripe charges');
    const last = list.data.at(-1);
    return {
      records: list.data.flatMap(stripeChargeToRecords),
      metrics: [],
      nextPage: list.has_more && last ? last.id : undefined,
    };
  },
};
