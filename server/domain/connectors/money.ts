import { PlatformRequestError } from './errors.ts';

/** Sums of decimal strings pick up float noise (0.1 + 0.2); six places keep every real currency exact. */
export const roundMoney = (x: number): number => Math.round(x * 1e6) / 1e6;

/** "49.90" or 49.9 → 49.9; anything else is a body we cannot read. */
export function amount(v: string | number | null | undefined, what = 'amount'): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n)) throw new PlatformRequestError(`unreadable ${what} from platform: ${String(v)}`);
  return n;
}
