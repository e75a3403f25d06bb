import { DEFAULT_API_VERSIONS } from './api-versions.ts';

/**
 * Meta Marketing API versions: release day and the day the version stops working (null while Meta says
 * "TBD"). Insights (`act_<id>/insights`) follow the Marketing API calendar, which is much shorter than the
 * Graph API's: about 90 days after the next release.
 * Source: https://developers.facebook.com/documentation/ads-commerce/marketing-api/marketing-api-changelog/versions
 * (v21.0 and older: https://developers.facebook.com/docs/marketing-api/marketing-api-changelog/versions),
 * read 2026-12-01. Newest first; add a row when Meta releases a version, fill the end day when it is announced.
 */
export const META_VERSIONS: readonly { version: string; released: string; ends: string | null }[] = [
  { version: 'v27.0', released: '2026-11-04', ends: null },
  { version: 'v26.0', released: '2026-07-29', ends: null },
  { version: 'v25.0', released: '2026-02-18', ends: '2027-02-23' },
  { version: 'v24.0', released: '2025-10-08', ends: '2026-11-10' },
  { version: 'v23.0', released: '2025-05-29', ends: '2026-06-09' },
  { version: 'v22.0', released: '2025-01-21', ends: '2026-02-19' },
  { version: 'v21.0', released: '2024-10-02', ends: '2025-09-09' },
  { version: 'v20.0', released: '2024-05-21', ends: '2025-05-06' },
  { version: 'v19.0', released: '2024-01-23', ends: '2025-02-04' },
];

/** The newest version the table lists. */
export const NEWEST_META_VERSION = META_VERSIONS[0].version;

/** Warn this many days before a version's end. */
export const META_VERSION_WARN_DAYS = 30;

export type MetaVersionState = 'supported' | 'ending' | 'expired' | 'unknown';

export interface MetaVersionStatus {
  version: string;
  /** supported; ending within META_VERSION_WARN_DAYS; expired (past its end, or older than the table); unknown (not in the table, or not released yet). */
  state: MetaVersionState;
  released: string | null;
  ends: string | null;
  /** For an operator: what is wrong and what to set. Undefined when supported. */
  warning?: string;
}

const numeric = (v: string): [number, number] | undefined => {
  const m = /^v(\d+)\.(\d+)$/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
};
const older = (a: [number, number], b: [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
const dayOf = (today: string | Date) => (typeof today === 'string' ? today.slice(0, 10) : today.toISOString().slice(0, 10));
const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/** Where `version` stands on `today` (a UTC day or a Date) by Meta's published calendar. Pure. */
export function metaVersionStatus(version: string, today: string | Date): MetaVersionStatus {
  const day = dayOf(today);
  const fix = `set FACEBOOK_API_VERSION to a supported version (newest known: ${NEWEST_META_VERSION})`;
  const row = META_VERSIONS.find((r) => r.version === version.trim());
  if (!row) {
    const n = numeric(version);
    const oldest = numeric(META_VERSIONS[META_VERSIONS.length - 1].version)!;
    // Older than every listed version: those ended before the oldest row did.
    if (n && older(n, oldest)) {
      return { version, state: 'expired', released: null, ends: null, warning: `Meta Marketing API ${version} is retired: ${fix}` };
    }
    return {
      version,
      state: 'unknown',
      released: null,
      ends: null,
      warning: `Meta Marketing API ${version} is not in our table of Meta's versions (newest known: ${NEWEST_META_VERSION}); if Meta has not released it, calls will fail: ${fix}`,
    };
  }
  const base = { version: row.version, released: row.released, ends: row.ends };
  if (row.released > day) {
    return { ...base, state: 'unknown', warning: `Meta Marketing API ${row.version} is not released until ${row.released}: ${fix}` };
  }
  if (row.ends !== null && row.ends <= day) {
    return { ...base, state: 'expired', warning: `Meta Marketing API ${row.version} stopped working on ${row.ends}: ${fix}` };
  }
  const left = row.ends === null ? Number.POSITIVE_INFINITY : daysBetween(day, row.ends);
  if (left <= META_VERSION_WARN_DAYS) {
    return {
      ...base,
      state: 'ending',
      warning: `Meta Marketing API ${row.version} stops working on ${row.ends} (in ${left} day${left === 1 ? '' : 's'}): ${fix}`,
    };
  }
  return { ...base, state: 'supported' };
}

/** Logs once (at start-up) when the configured version is retired, ending soon, or unknown. */
export function warnAboutMetaVersion(
  configured: string | undefined,
  log: { warn(obj: object, msg: string): void } | undefined,
  today: string | Date = new Date(),
): MetaVersionStatus {
  const status = metaVersionStatus(configured || DEFAULT_API_VERSIONS.facebook, today);
  if (status.warning) log?.warn({ facebookApiVersion: status.version, state: status.state, ends: status.ends }, status.warning);
  return status;
}
