import { fnv1a } from '../../lib/hash.ts';

/** Deterministic data: the same (platform, day) always draws the same numbers. */

/** A string → a 32-bit seed. */
export const hashSeed = fnv1a;

/** mulberry32: small, fast, good enough for fake shop data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rng = () => number;

export const rngFor = (platform: string, day: string): Rng => mulberry32(hashSeed(`${platform}:${day}`));

/** An integer in [min, max]. */
export const randInt = (rng: Rng, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1));

export const DAY_MS = 86_400_000;
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
export const dayStart = (day: string): number => Date.parse(`${day}T00:00:00Z`);
export const addDays = (day: string, n: number): string => dayOf(dayStart(day) + n * DAY_MS);
/** Days since 1970-01-01: a stable number for ids derived from a day. */
export const dayNumber = (day: string): number => Math.round(dayStart(day) / DAY_MS);

/** The `count` days ending with `today`, oldest first. */
export const lastDays = (today: string, count: number): string[] => Array.from({ length: count }, (_, i) => addDays(today, i - count + 1));

/** Minor units per major unit: Stripe-style zero-decimal currencies count whole units. */
const ZERO_DECIMAL = new Set(['JPY', 'KRW', 'VND', 'CLP', 'XAF', 'XOF']);
export const minorPerMajor = (currency: string): number => (ZERO_DECIMAL.has(currency.toUpperCase()) ? 1 : 100);
/** Minor units as the decimal string commerce APIs use ("49.90"). */
export const formatMinor = (minor: number, currency: string): string => (minor / minorPerMajor(currency)).toFixed(2);
