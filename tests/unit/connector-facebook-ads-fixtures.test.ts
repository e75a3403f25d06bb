import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  API_VERSION_ALERT,
  facebookError,
  facebookErrorSchema,
  facebookInsightsSchema,
  facebookNextToken,
  facebookRowsToMetrics,
} from '../../server/domain/connectors/facebook-ads.ts';
import { PlatformAccessError, PlatformAuthError, PlatformRateLimitError } from '../../server/domain/connectors/errors.ts';
import { bucPauseMs, bucPeakPercent, bucRegainMs, parseBucUsage } from '../../server/domain/connectors/meta-usage.ts';

/** Meta's documented (and observed) responses: see tests/fixtures/platforms/facebook-ads/SOURCES.md. */
const DIR = path.join(import.meta.dirname, '../fixtures/platforms/facebook-ads');
const text = (name: string) => fs.readFileSync(path.join(DIR, name), 'utf8');
const fixture = (name: string): unknown => JSON.parse(text(name));

describe('Meta insights fixtures through the connector schema and mapper', () => {
  it('the Insights page example: strings are numbers, a field Meta did not send is 0, no next page', () => {
    const body = facebookInsightsSchema.parse(fixture('insights-campaign.json'));
    expect(facebookRowsToMetrics(body.data)).toEqual([
      { date: '2025-03-14', metric: 'ad_spend', value: 5339.5 },
      { date: '2025-03-14', metric: 'impressions', value: 361324 },
      { date: '2025-03-14', metric: 'clicks', value: 0 },
    ]);
    expect(facebookNextToken(body.paging?.next)).toBeUndefined();
  });

  it('a daily page: one row per day; paging.next becomes a token without the access token and appsecret_proof', () => {
    const body = facebookInsightsSchema.parse(fixture('insights-daily-page.json'));
    expect(facebookRowsToMetrics(body.data)).toEqual([
      { date: '2026-11-01', metric: 'ad_spend', value: 412.77 },
      { date: '2026-11-01', metric: 'impressions', value: 31840 },
      { date: '2026-11-01', metric: 'clicks', value: 412 },
      { date: '2026-11-02', metric: 'ad_spend', value: 389.1 },
      { date: '2026-11-02', metric: 'impressions', value: 29911 },
      { date: '2026-11-02', metric: 'clicks', value: 377 },
    ]);
    const token = facebookNextToken(body.paging?.next);
    expect(Object.fromEntries(new URLSearchParams(token))).toEqual({
      fields: 'spend,impressions,clicks,actions',
      level: 'account',
      time_increment: '1',
      time_range: '{"since":"2026-11-01","until":"2026-11-30"}',
      limit: '2',
      after: 'MQZDZD',
    });
  });

  it("the Graph paging example: the after cursor survives the token's round trip", () => {
    const body = facebookInsightsSchema.parse(fixture('graph-paging.json'));
    expect(body.data).toEqual([]);
    const token = facebookNextToken(body.paging?.next);
    expect(Object.fromEntries(new URLSearchParams(token))).toEqual({ limit: '25', after: 'MTAxNTExOTQ1MjAwNzI5NDE=' });
  });
});

describe('Meta error fixtures through the error mapper (all came as HTTP 400)', () => {
  const none = new Headers();

  it('the documented error shape parses; 190/460 is an auth error', () => {
    expect(facebookErrorSchema.parse(fixture('error-shape.json')).error).toMatchObject({ code: 190, error_subcode: 460, type: 'OAuthException' });
    const err = facebookError(400, fixture('error-shape.json'), none);
    expect(err).toBeInstanceOf(PlatformAuthError);
    expect(err?.status).toBe(400);
  });

  it('an expired token (190/463) → PlatformAuthError, which marks the integration NEEDS_REAUTH', () => {
    const err = facebookError(400, fixture('error-expired-token.json'), none);
    expect(err).toBeInstanceOf(PlatformAuthError);
    expect(err?.message).toContain('(code 190, subcode 463)');
    expect(err?.message).toContain('Session has expired');
  });

  it('#2635 (deprecated version) → PlatformAccessError API_VERSION_ERROR naming the version and FACEBOOK_API_VERSION', () => {
    const err = facebookError(400, fixture('error-deprecated-version.json'), none, 'v24.0');
    expect(err).toBeInstanceOf(PlatformAccessError);
    expect((err as PlatformAccessError).alertType).toBe(API_VERSION_ALERT);
    expect(err?.status).toBe(400);
    expect(err?.message).toBe(
      'Meta refused API version v24.0 as retired (code 2635): set FACEBOOK_API_VERSION to a version Meta supports (newest we know: v27.0). ' +
        'Meta said: (#2635) You are calling a deprecated version of the Ads API. Please update to the latest version: v6.0.',
    );
  });

  it('#80000 with the documented BUC header waits the header’s minutes (the longest entry), told', () => {
    const headers = new Headers({ 'X-Business-Use-Case-Usage': JSON.stringify(fixture('buc-header.json')) });
    const err = facebookError(400, fixture('error-buc-throttle.json'), headers);
    expect(err).toBeInstanceOf(PlatformRateLimitError);
    expect((err as PlatformRateLimitError).retryAfterMs).toBe(19 * 60_000);
    expect((err as PlatformRateLimitError).told).toBe(true);
  });

  it('#80000 without the header: untold, so the sync engine backs off (from a 60 s floor)', () => {
    const err = facebookError(400, fixture('error-buc-throttle.json'), none) as PlatformRateLimitError;
    expect(err).toBeInstanceOf(PlatformRateLimitError);
    expect([err.retryAfterMs, err.told]).toEqual([60_000, false]);
  });

  it('an invalid appsecret_proof (code 100) → PlatformAuthError saying to store the matching app secret', () => {
    const err = facebookError(400, fixture('error-appsecret-proof.json'), none);
    expect(err).toBeInstanceOf(PlatformAuthError);
    expect(err?.message).toContain('appSecret');
  });

  it('the documented BUC header: two entries, 19 minutes at most, 100 % at the peak, so no pause (the next call is throttled anyway)', () => {
    const entries = parseBucUsage(text('buc-header.json'));
    expect(entries.map((e) => [e.objectId, e.type, e.call_count, e.estimated_time_to_regain_access])).toEqual([
      ['66782684', 'ads_management', 95, 0],
      ['{business-object-id}', '{rate-limit-type}', 100, 19],
    ]);
    expect(bucRegainMs(entries)).toBe(1_140_000);
    expect(bucPeakPercent(entries)).toBe(100);
    expect(bucPauseMs(entries)).toBeUndefined();
  });
});
