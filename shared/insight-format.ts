import type { InsightUnit } from './insights.ts';

/**
 * How the insights write amounts, days and percentages for a business reader (the server's
 * summaries and the console's charts use the same). Pure; English (en-US numbers, "Tue 24 Nov" days).
 */

const numberFormats = new Map<string, Intl.NumberFormat>();
function nf(key: string, make: () => Intl.NumberFormat): Intl.NumberFormat {
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = make()));
  return f;
}

/** Whether Intl knows the code (an unknown one would throw in Intl.NumberFormat). */
export function isCurrencyCode(code: string | null | undefined): code is string {
  if (!code || !/^[A-Z]{3}$/.test(code)) return false;
  try {
    new Intl.NumberFormat('en-US', { style: 'currency', currency: code });
    return true;
  } catch {
    return false;
  }
}

/** Two significant figures from 100 up (3,284 → 3,300; 1,240 → 1,200), for "about" values. */
export function roughly(v: number): number {
  const a = Math.abs(v);
  if (!Number.isFinite(v) || a < 100) return v;
  const step = 10 ** (Math.floor(Math.log10(a)) - 1);
  return Math.round(v / step) * step;
}

/**
 * An amount in its unit: money with the currency's symbol when known ("$1,240", "€12.50"; whole units
 * from 100 up), counts with separators ("1,240", "3.5"), ratios with two decimals ("4.20").
 */
export function formatAmount(v: number, unit: InsightUnit, currency: string | null, opts: { approx?: boolean } = {}): string {
  if (!Number.isFinite(v)) return '—';
  const value = opts.approx ? roughly(v) : v;
  if (unit === 'ratio') return nf('ratio', () => new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })).format(value);
  if (unit === 'money') {
    const decimals = Math.abs(value) >= 100 ? 0 : 2;
    if (isCurrencyCode(currency)) {
      return nf(
        `money:${currency}:${decimals}`,
        () => new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: decimals, maximumFractionDigits: decimals }),
      ).format(value);
    }
    return nf(`plain:${decimals}`, () => new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals })).format(value);
  }
  const decimals = Number.isInteger(value) || Math.abs(value) >= 100 ? 0 : 1;
  return nf(`count:${decimals}`, () => new Intl.NumberFormat('en-US', { maximumFractionDigits: decimals })).format(value);
}

/** A short axis label: "$3.3k", "1.2M", "40". */
export function formatCompact(v: number, unit: InsightUnit, currency: string | null): string {
  if (unit === 'ratio') return formatAmount(v, unit, currency);
  const opts: Intl.NumberFormatOptions = { notation: 'compact', maximumFractionDigits: 1 };
  if (unit === 'money' && isCurrencyCode(currency)) Object.assign(opts, { style: 'currency', currency });
  return nf(`compact:${unit}:${currency}`, () => new Intl.NumberFormat('en-US', opts)).format(v);
}

/** A percentage's size for prose, no sign: "62%", "4.5%", "0.3%", "1,200%" (one decimal under 10). */
export function formatPercent(pct: number): string {
  const a = Math.abs(pct);
  const decimals = a < 10 ? 1 : 0;
  return `${nf(`pct:${decimals}`, () => new Intl.NumberFormat('en-US', { maximumFractionDigits: decimals })).format(a)}%`;
}

const dayFormat = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
const dayYearFormat = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** "Tue 24 Nov" (with the year when asked: "Tue 24 Nov 2026"); the input as given when it is no YYYY-MM-DD. */
export function formatDay(date: string, withYear = false): string {
  const t = Date.parse(`${date.slice(0, 10)}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}/.test(date) || Number.isNaN(t)) return date;
  return (withYear ? dayYearFormat : dayFormat).format(t).replace(',', '');
}
