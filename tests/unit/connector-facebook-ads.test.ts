import { describe, expect, it } from 'vitest';
import { DEFAULT_API_VERSIONS } from '../../server/domain/connectors/api-versions.ts';
import { appSecretProof, facebookError, facebookNextToken, facebookVersionNotice } from '../../server/domain/connectors/facebook-ads.ts';
import { PlatformAccessError, PlatformAuthError, PlatformRateLimitError, PlatformTransientError } from '../../server/domain/connectors/errors.ts';
import { META_VERSIONS, metaVersionStatus, NEWEST_META_VERSION, warnAboutMetaVersion } from '../../server/domain/connectors/meta-versions.ts';
import { BUC_SLOW_DOWN_MS, bucPauseMs, bucPeakPercent, bucRegainMs, parseBucUsage } from '../../server/domain/connectors/meta-usage.ts';

describe('metaVersionStatus', () => {
  it('the table is newest first, each version ends after it starts, and the default is its newest', () => {
    const released = META_VERSIONS.map((r) => r.released);
    expect(released).toEqual([...released].sort().reverse());
    for (const r of META_VERSIONS) if (r.ends) expect(r.ends > r.released, r.version).toBe(true);
    expect(NEWEST_META_VERSION).toBe('v27.0');
    expect(DEFAULT_API_VERSIONS.facebook).toBe(NEWEST_META_VERSION);
  });

  it('supported: released, no end announced (or one far off); no warning', () => {
    expect(metaVersionStatus('v27.0', '2026-12-01')).toEqual({ version: 'v27.0', state: 'supported', released: '2026-11-04', ends: null });
    expect(metaVersionStatus('v25.0', '2026-12-01')).toEqual({ version: 'v25.0', state: 'supported', released: '2026-02-18', ends: '2027-02-23' });
  });

  it('ending within 30 days: a warning with the day and how many days are left', () => {
    expect(metaVersionStatus('v25.0', '2027-02-01')).toEqual({
      version: 'v25.0',
      state: 'ending',
      released: '2026-02-18',
      ends: '2027-02-23',
      warning: 'Meta Marketing API v25.0 stops working on 2027-02-23 (in 22 days): set FACEBOOK_API_VERSION to a supported version (newest known: v27.0)',
    });
  });

  it('expired from its end day on; anything older than the table is expired too', () => {
    expect(metaVersionStatus('v25.0', '2027-02-23').state).toBe('expired');
    expect(metaVersionStatus('v24.0', '2026-12-01')).toEqual({
      version: 'v24.0',
      state: 'expired',
      released: '2025-10-08',
      ends: '2026-11-10',
      warning: 'Meta Marketing API v24.0 stopped working on 2026-11-10: set FACEBOOK_API_VERSION to a supported version (newest known: v27.0)',
    });
    expect(metaVersionStatus('v19.0', '2026-12-01').state).toBe('expired');
    expect(metaVersionStatus('v2.8', '2026-12-01')).toMatchObject({ state: 'expired', released: null, ends: null });
  });

  it('unknown: not in the table, or not released yet on that day', () => {
    const future = metaVersionStatus('v99.0', '2026-12-01');
    expect(future).toMatchObject({ state: 'unknown', released: null, ends: null });
    expect(future.warning).toContain('v99.0 is not in our table');
    expect(metaVersionStatus('v27.0', '2026-11-03')).toMatchObject({ state: 'unknown', warning: expect.stringContaining('not released until 2026-11-04') });
  });

  it('takes a Date as the UTC day', () => {
    expect(metaVersionStatus('v24.0', new Date('2026-11-09T23:59:59Z'))).toMatchObject({ state: 'ending', warning: expect.stringContaining('(in 1 day)') });
    expect(metaVersionStatus('v24.0', new Date('2026-11-10T00:00:00Z')).state).toBe('expired');
  });

  it('the start-up warning: logged for a retired version, not for the default', () => {
    const lines: { obj: object; msg: string }[] = [];
    const log = { warn: (obj: object, msg: string) => void lines.push({ obj, msg }) };
    expect(warnAboutMetaVersion(undefined, log, '2026-12-01').state).toBe('supported');
    expect(warnAboutMetaVersion('v27.0', log, '2026-12-01').state).toBe('supported');
    expect(lines).toEqual([]);
    warnAboutMetaVersion('v24.0', log, '2026-12-01');
    expect(lines).toEqual([
      {
        obj: { facebookApiVersion: 'v24.0', state: 'expired', ends: '2026-11-10' },
        msg: 'Meta Marketing API v24.0 stopped working on 2026-11-10: set FACEBOOK_API_VERSION to a supported version (newest known: v27.0)',
      },
    ]);
  });
});

describe('X-Business-Use-Case-Usage', () => {
  const header = (entries: object[]) => JSON.stringify({ '1234567890': entries });

  it('absent, not JSON or not the documented shape: no entries', () => {
    expect(parseBucUsage(null)).toEqual([]);
    expect(parseBucUsage('')).toEqual([]);
    expect(parseBucUsage('{oops')).toEqual([]);
    expect(parseBucUsage('{"1":{"call_count":5}}')).toEqual([]);
  });

  it('minutes → ms, the longest entry wins, over every business object; none → undefined', () => {
    const entries = parseBucUsage(
      JSON.stringify({
        '1': [
          { type: 'ads_insights', call_count: 100, estimated_time_to_regain_access: 7 },
          { type: 'ads_management', call_count: 3, estimated_time_to_regain_access: 0 },
        ],
        '2': [{ type: 'ads_insights', call_count: 100, estimated_time_to_regain_access: '12' }],
      }),
    );
    expect(bucRegainMs(entries)).toBe(720_000);
    expect(bucRegainMs(parseBucUsage(header([{ call_count: 40, estimated_time_to_regain_access: 0 }])))).toBeUndefined();
    expect(bucRegainMs([])).toBeUndefined();
  });

  it('the peak is the fullest of call_count, total_cputime and total_time', () => {
    expect(bucPeakPercent(parseBucUsage(header([{ call_count: 12, total_cputime: 91, total_time: 30 }])))).toBe(91);
    expect(bucPeakPercent([])).toBe(0);
  });

  it('pause before the next page from 90 % up to 99 %; none below, none at 100 % (the throttle reply names the wait)', () => {
    const pause = (pct: number) => bucPauseMs(parseBucUsage(header([{ type: 'ads_insights', call_count: 10, total_cputime: pct, total_time: 5 }])));
    expect([pause(89), pause(90), pause(95), pause(99), pause(100)]).toEqual([undefined, BUC_SLOW_DOWN_MS, BUC_SLOW_DOWN_MS, BUC_SLOW_DOWN_MS, undefined]);
  });
});

describe('Meta requests and errors', () => {
  it('appsecret_proof is hex HMAC-SHA256 of the token keyed with the secret (RFC 4231 case 2)', () => {
    expect(appSecretProof('what do ya want for nothing?', 'Jefe')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('page tokens drop the access token and appsecret_proof', () => {
    expect(facebookNextToken('https://graph.facebook.com/v27.0/act_1/insights?access_token=T&appsecret_proof=P&limit=5&after=abc')).toBe('limit=5&after=abc');
  });

  const body = (code: number, extra: object = {}) => ({ error: { message: `(#${code}) m`, type: 'OAuthException', code, ...extra } });
  const none = new Headers();

  it('every throttle code is a rate limit, whatever the HTTP status', () => {
    for (const code of [4, 17, 32, 613, 80000, 80001, 80004, 80005, 80008, 80014]) {
      expect(facebookError(400, body(code), none), String(code)).toBeInstanceOf(PlatformRateLimitError);
    }
    expect(facebookError(400, body(80015), none)).toBeUndefined();
  });

  it('a throttle without BUC wait but with Retry-After (a proxy) waits that long, told', () => {
    const err = facebookError(429, body(17), new Headers({ 'Retry-After': '2' })) as PlatformRateLimitError;
    expect([err.retryAfterMs, err.told]).toEqual([2000, true]);
  });

  it('190 and 102 need a reconnect, so do missing permissions (10, 200–299)', () => {
    for (const code of [190, 102, 10, 200, 294]) expect(facebookError(400, body(code), none), String(code)).toBeInstanceOf(PlatformAuthError);
  });

  it('version errors: 2635 and 12 always; 2500 only for a version Meta does not list (else the path is wrong: a request error)', () => {
    for (const [code, version] of [
      [2635, 'v25.0'],
      [12, 'v27.0'],
      [2500, 'v99.0'],
    ] as const) {
      const err = facebookError(400, body(code), none, version);
      expect(err, String(code)).toBeInstanceOf(PlatformAccessError);
      expect((err as PlatformAccessError).alertType).toBe('API_VERSION_ERROR');
      expect(err?.message).toContain(version);
      expect(err?.message).toContain('set FACEBOOK_API_VERSION');
    }
    expect(facebookError(400, body(2500), none, 'v27.0')).toBeUndefined();
  });

  it('1, 2 and is_transient are transient; a plain 100 is left to the status mapping', () => {
    expect(facebookError(500, body(2, { is_transient: true }), none)).toBeInstanceOf(PlatformTransientError);
    expect(facebookError(400, body(1), none)).toBeInstanceOf(PlatformTransientError);
    expect(facebookError(400, body(100), none)).toBeUndefined();
    expect(facebookError(400, 'not json', none)).toBeUndefined();
  });

  it("Meta's auto-upgrade header becomes the run's notice", () => {
    expect(facebookVersionNotice(none, 'v24.0')).toBeUndefined();
    expect(facebookVersionNotice(new Headers({ 'X-Ad-Api-Version-Warning': 'upgraded to v25.0' }), 'v24.0')).toBe(
      'Meta upgraded calls made with API version v24.0 (upgraded to v25.0): set FACEBOOK_API_VERSION to a version Meta supports (newest we know: v27.0)',
    );
  });
});
