import { sql } from 'kysely';
import { isCurrencyCode } from '../../../shared/insight-format.ts';
import type { Store } from '../store/store.ts';

/** A currency seen in an organization's sales and refunds, with its share of their amounts (0…1). */
export interface CurrencyShare {
  currency: string;
  share: number;
}

/**
 * The currencies of an organization's platform records (sales and refunds) from `from` to `to`,
 * largest share of the amounts first; all its records when that window has none. The store keeps
 * no currency per organization or integration, and the daily metrics none at all: the records'
 * currency is what the money metrics were summed from. Ad platforms report spend without one and
 * are taken to bill in the same. Codes Intl does not know are left out (they could not be shown).
 */
export async function orgCurrencies(store: Pick<Store, 'db'>, organizationId: string, from: string, to: string): Promise<CurrencyShare[]> {
  const read = (window: boolean) => {
    let q = store.db
      .selectFrom('platform_records')
      .select(['currency', sql<number>`sum(abs(amount))`.as('total'), sql<number>`count(*)`.as('n')])
      // By integration, so the (integration_id, occurred_on) index serves it.
      .where('integration_id', 'in', (eb) => eb.selectFrom('integrations').select('id').where('organization_id', '=', organizationId));
    if (window) q = q.where('occurred_on', '>=', from).where('occurred_on', '<=', to);
    return q.groupBy('currency').execute();
  };
  let rows = await read(true);
  if (rows.length === 0) rows = await read(false);
  const totals = new Map<string, { total: number; n: number }>();
  for (const r of rows) {
    const code = String(r.currency).toUpperCase();
    if (!isCurrencyCode(code)) continue;
    const t = totals.get(code) ?? { total: 0, n: 0 };
    totals.set(code, { total: t.total + Number(r.total ?? 0), n: t.n + Number(r.n ?? 0) });
  }
  return shares([...totals].map(([currency, t]) => ({ currency, ...t })));
}

/** Shares of the amounts, largest first (by count when every amount is 0; then by code). Pure. */
export function shares(rows: Array<{ currency: string; total: number; n: number }>): CurrencyShare[] {
  const sumTotal = rows.reduce((s, r) => s + r.total, 0);
  const sumN = rows.reduce((s, r) => s + r.n, 0);
  const weight = (r: { total: number; n: number }) => (sumTotal > 0 ? r.total / sumTotal : sumN > 0 ? r.n / sumN : 0);
  return rows.map((r) => ({ currency: r.currency, share: weight(r) })).sort((a, b) => b.share - a.share || a.currency.localeCompare(b.currency));
}
