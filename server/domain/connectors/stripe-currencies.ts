/**
 * How many of Stripe's API amount units make one unit of a currency. Stripe's API counts amounts
 * in each currency's smallest unit, and https://docs.stripe.com/currencies lists the exceptions:
 *
 * - "For zero-decimal currencies, still provide amounts as an integer but without multiplying by
 *   100. For example, to charge ¥500, provide an amount value of 500."
 * - "The API supports three-decimal currencies for the standard payment flows, including Payment
 *   Intents, Refunds, and Disputes. However, … these API calls require the least-significant (last)
 *   digit to be 0. … For example, 5.124 KWD must be rounded to 5120 or 5130."
 * - Special cases: ISK "becomes a zero-decimal currency. To maintain backwards compatibility, you
 *   must pass in amounts with two decimals. For example, to charge 5 ISK, provide an amount value
 *   of 500"; HUF and TWD are zero-decimal "for payouts, even though you can charge two-decimal
 *   amounts". All three stay ÷100 in charges and refunds, like every currency not listed below.
 * - UGX is on the page's zero-decimal list and also among its special cases, worded like ISK
 *   ("you must pass in amounts with two decimals"). We follow the zero-decimal table (and what this
 *   connector always did, so stored UGX amounts keep their meaning); a test-mode UGX charge would
 *   settle which one the API means.
 */

/** Zero-decimal: the amount is already whole units. */
export const STRIPE_ZERO_DECIMAL: ReadonlySet<string> = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'JPY',
  'KMF',
  'KRW',
  'MGA',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);

/** Three-decimal: thousandths (fils, baisa, millimes). */
export const STRIPE_THREE_DECIMAL: ReadonlySet<string> = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

/** Stripe amount units per major unit of `currency` (any case): 1, 100 or 1000. */
export function stripeMinorPerMajor(currency: string): number {
  const c = currency.toUpperCase();
  if (STRIPE_ZERO_DECIMAL.has(c)) return 1;
  if (STRIPE_THREE_DECIMAL.has(c)) return 1000;
  return 100;
}

/** A Stripe amount (4990) in major units (49.9): JPY 1000 → 1000, USD 4990 → 49.9, KWD 12345 → 12.345. */
export function stripeAmount(minor: number, currency: string): number {
  // One correctly rounded division: 4990 / 100 is the double nearest 49.9, as parsing "49.9" gives.
  return minor / stripeMinorPerMajor(currency);
}
