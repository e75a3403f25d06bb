import fs from 'node:fs';
import path from 'node:path';
import { createPublicKey, createVerify, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gaRowsToMetrics, parseGaMetadata, parseGaPageToken, parseGaReport, planMetrics } from '../../server/domain/connectors/google-analytics.ts';
import {
  cachedAccessToken,
  GOOGLE_TOKEN_URL,
  googleAuthMode,
  googleTokenError,
  googleTokenUrl,
  serviceAccountAssertion,
  tokenErrorSchema,
  tokenResponseSchema,
} from '../../server/domain/connectors/google-auth.ts';
import {
  dailyBudgetLow,
  GA_CONCURRENT_QUOTA_FLOOR_MS,
  GA_HOURLY_QUOTA_FLOOR_MS,
  gaApiError,
  gaQuotaError,
  nextDailyQuotaReset,
} from '../../server/domain/connectors/google-analytics-quota.ts';
import { throttleDelayMs } from '../../server/domain/sync/data-sync.ts';
import { PlatformAuthError, PlatformRateLimitError, PlatformRequestError } from '../../server/domain/connectors/errors.ts';
import { statusError } from '../../server/domain/connectors/http.ts';

const DIR = path.resolve(import.meta.dirname, '../fixtures/platforms/google-analytics');
const fixture = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(DIR, name), 'utf8'));
const noHeaders = new Headers();

describe('GA4 fixtures through the connector', () => {
  it('every fixture is listed in SOURCES.md', () => {
    const sources = fs.readFileSync(path.join(DIR, 'SOURCES.md'), 'utf8');
    const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json'));
    expect(files.length).toBe(12);
    for (const f of files) expect(sources, f).toContain(`\`${f}\``);
  });

  it('runReport by date: rows → our metrics by the metric headers, keyEvents → conversions; quota read', () => {
    const report = parseGaReport(fixture('run-report-by-date.json'));
    expect(report.rowCount).toBe(30);
    expect(
      gaRowsToMetrics(
        report.rows,
        report.metricHeaders!.map((h) => h.name),
      ),
    ).toEqual([
      { date: '2026-11-29', metric: 'sessions', value: 745 },
      { date: '2026-11-29', metric: 'users', value: 588 },
      { date: '2026-11-29', metric: 'conversions', value: 14 },
      { date: '2026-11-30', metric: 'sessions', value: 812 },
      { date: '2026-11-30', metric: 'users', value: 640 },
      { date: '2026-11-30', metric: 'conversions', value: 19 },
    ]);
    // proto3 JSON leaves zeros out: a missing `consumed` reads as 0.
    expect(report.propertyQuota?.concurrentRequests).toEqual({ consumed: 0, remaining: 10 });
    expect(report.propertyQuota?.tokensPerDay).toEqual({ consumed: 7, remaining: 5 });
    // 5 left, this report cost 7: the next one would likely be refused.
    expect(dailyBudgetLow(report.propertyQuota)).toBe(true);
  });

  it('the Basics guide report parses (headers, rows, rowCount, a full propertyQuota) and its budget is not low', () => {
    const report = parseGaReport(fixture('run-report-basics.json'));
    expect(report.rows.map((r) => [r.dimensionValues[0].value, r.metricValues[0].value])).toEqual([
      ['Japan', '2541'],
      ['France', '12'],
    ]);
    expect(report.propertyQuota?.tokensPerDay).toEqual({ consumed: 1, remaining: 199_999 });
    expect(dailyBudgetLow(report.propertyQuota)).toBe(false);
    // A metric we never ask for is a report we cannot read, not a silent guess.
    expect(() => gaRowsToMetrics(report.rows, ['activeUsers'])).toThrow(PlatformRequestError);
  });

  it('an empty report (no rows, no rowCount) is zero rows', () => {
    const report = parseGaReport(fixture('run-report-empty.json'));
    expect(report.rows).toEqual([]);
    expect(report.rowCount).toBe(0);
    expect(report.propertyQuota).toBeUndefined();
    expect(dailyBudgetLow(report.propertyQuota)).toBe(false);
  });

  it('metadata: sessions, totalUsers and keyEvents are asked for; conversions never when keyEvents is listed', () => {
    const meta = parseGaMetadata(fixture('metadata.json'));
    expect(planMetrics(meta)).toEqual({ request: ['sessions', 'totalUsers', 'keyEvents'], missing: [] });
    // Even when keyEvents still lists conversions as a deprecated alias.
    const aliased = { ...meta, metrics: meta.metrics.map((m) => (m.apiName === 'keyEvents' ? { ...m, deprecatedApiNames: ['conversions'] } : m)) };
    expect(planMetrics(aliased).request).toEqual(['sessions', 'totalUsers', 'keyEvents']);
  });

  it('metadata without keyEvents: the old conversions name if listed, else conversions is reported missing; none at all is an error', () => {
    const meta = parseGaMetadata(fixture('metadata.json'));
    const without = (name: string, extra: { apiName: string }[] = []) => ({ ...meta, metrics: [...meta.metrics.filter((m) => m.apiName !== name), ...extra] });
    expect(planMetrics(without('keyEvents', [{ apiName: 'conversions' }]))).toEqual({ request: ['sessions', 'totalUsers', 'conversions'], missing: [] });
    expect(planMetrics(without('keyEvents'))).toEqual({ request: ['sessions', 'totalUsers'], missing: ['conversions'] });
    expect(() => planMetrics({ metrics: [{ apiName: 'activeUsers' }] })).toThrow(PlatformRequestError);
  });

  it('token responses parse; a refresh returns no refresh token', () => {
    expect(tokenResponseSchema.parse(fixture('token-refresh.json'))).toEqual({
      access_token: '1/fFAGRNJru1FTz70BzhT3Zg',
      expires_in: 3920,
      scope: 'https://www.googleapis.com/auth/drive.metadata.readonly',
      token_type: 'Bearer',
    });
    expect(tokenResponseSchema.parse(fixture('token-service-account.json'))).toMatchObject({ expires_in: 3599, token_type: 'Bearer' });
  });

  it("token endpoint refusals (revoked refresh token 400, wrong client 401, bad assertion 400) → PlatformAuthError with Google's reason", () => {
    const cases = [
      ['token-error-invalid-grant.json', 400, 'invalid_grant: Token has been expired or revoked.'],
      ['token-error-invalid-client.json', 401, 'invalid_client: Unauthorized'],
      ['token-error-jwt-timeframe.json', 400, 'invalid_grant: Invalid JWT: Token must be a short-lived token'],
    ] as const;
    for (const [file, status, reason] of cases) {
      expect(tokenErrorSchema.safeParse(fixture(file)).success, file).toBe(true);
      const err = googleTokenError(status, fixture(file), noHeaders);
      expect(err, file).toBeInstanceOf(PlatformAuthError);
      expect(err?.status).toBe(status);
      expect(err?.message).toContain(reason);
    }
    // 5xx is left to the generic reading (transient); a 429 without Retry-After is not a 1 s loop.
    expect(googleTokenError(503, {}, noHeaders)).toBeUndefined();
    // A 429 is the generic reading's too (http.ts), as requestJson applies it after the mapper.
    expect(googleTokenError(429, {}, noHeaders)).toBeUndefined();
    const throttled = statusError(429, '{}', noHeaders, 'POST https://oauth2.googleapis.com/token') as PlatformRateLimitError;
    expect([throttled.retryAfterMs, throttled.told]).toEqual([1000, false]);
  });

  it('401 UNAUTHENTICATED is left to the generic reading (PlatformAuthError 401, after one token renewal)', () => {
    expect(gaApiError(401, fixture('error-unauthenticated.json'), noHeaders)).toBeUndefined();
    expect(gaApiError(400, fixture('error-invalid-metric.json'), noHeaders)).toBeUndefined();
  });

  it('429 RESOURCE_EXHAUSTED, per hour for a project, no Retry-After → untold, with the hourly floor; the engine grows it', () => {
    const err = gaApiError(429, fixture('error-resource-exhausted.json'), noHeaders) as PlatformRateLimitError;
    expect(err).toBeInstanceOf(PlatformRateLimitError);
    expect([err.retryAfterMs, err.told]).toEqual([GA_HOURLY_QUOTA_FLOOR_MS, false]);
    expect(err.message).toContain('Exhausted property tokens for a project per hour');
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => throttleDelayMs(err, n))).toEqual([300_000, 300_000, 300_000, 300_000, 480_000, 960_000, 1_920_000, 3_600_000]);
  });
});

describe('GA4 quota buckets', () => {
  const at = Date.parse('2026-07-01T12:00:00Z');
  const body = (message: string) => ({ error: { code: 429, message, status: 'RESOURCE_EXHAUSTED' } });

  it('per day waits (told) until 08:01 UTC: never before Pacific midnight (PST or PDT)', () => {
    const day = gaQuotaError(body('Exhausted property tokens per day. These quota tokens will return tomorrow.'), noHeaders, at);
    expect([day.told, at + day.retryAfterMs]).toEqual([true, Date.parse('2026-07-02T08:01:00Z')]);
    expect(nextDailyQuotaReset(Date.parse('2026-01-15T07:59:00Z'))).toBe(Date.parse('2026-01-15T08:01:00Z'));
    expect(nextDailyQuotaReset(Date.parse('2026-01-15T08:00:30Z'))).toBe(Date.parse('2026-01-15T08:01:00Z'));
    expect(nextDailyQuotaReset(Date.parse('2026-01-15T08:01:00Z'))).toBe(Date.parse('2026-01-16T08:01:00Z'));
  });

  it('concurrent requests and unknown messages: untold from a 1 s floor (the engine starts at 30 s); a Retry-After, if ever sent, is obeyed', () => {
    const concurrent = gaQuotaError(body('Exhausted concurrent requests quota.'), noHeaders, at);
    expect([concurrent.retryAfterMs, concurrent.told]).toEqual([GA_CONCURRENT_QUOTA_FLOOR_MS, false]);
    expect([1, 2, 3].map((n) => throttleDelayMs(concurrent, n))).toEqual([30_000, 60_000, 120_000]);
    const told = gaQuotaError(body('Exhausted concurrent requests quota.'), new Headers({ 'Retry-After': '7' }), at);
    expect([told.retryAfterMs, told.told]).toEqual([7000, true]);
  });
});

describe('Google auth pieces', () => {
  it('which grant: refresh token, then service account, then a bare access token; none → PlatformAuthError', () => {
    expect(googleAuthMode({ refreshToken: 'r', clientId: 'c', clientSecret: 's', accessToken: 'a' })).toBe('refresh-token');
    expect(googleAuthMode({ serviceAccountEmail: 'sa@x', privateKey: 'k' })).toBe('service-account');
    expect(googleAuthMode({ accessToken: 'a' })).toBe('static');
    expect(() => googleAuthMode({})).toThrow(PlatformAuthError);
  });

  it('a cached token is used while more than 60 s remain; no stated expiry → used until a 401', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    const creds = (expiresAt?: string) => ({ accessToken: 'ya29.x', ...(expiresAt ? { accessTokenExpiresAt: expiresAt } : {}) });
    expect(cachedAccessToken(creds('2026-12-01T10:01:01Z'), now)).toBe('ya29.x');
    expect(cachedAccessToken(creds('2026-12-01T10:01:00Z'), now)).toBeUndefined();
    expect(cachedAccessToken(creds('2026-12-01T09:00:00Z'), now)).toBeUndefined();
    expect(cachedAccessToken(creds('not a time'), now)).toBeUndefined();
    expect(cachedAccessToken(creds(), now)).toBe('ya29.x');
    expect(cachedAccessToken({}, now)).toBeUndefined();
  });

  it("the token URL: Google's by default, an absolute setting, or a path on the base URL", () => {
    const ctx = (tokenUrl?: string) => ({ baseUrl: 'http://127.0.0.1:4010/prefix', settings: (tokenUrl ? { tokenUrl } : {}) as Record<string, string> });
    expect(googleTokenUrl(ctx()).href).toBe(GOOGLE_TOKEN_URL);
    expect(googleTokenUrl(ctx('https://oauth.example/token')).href).toBe('https://oauth.example/token');
    expect(googleTokenUrl(ctx('/token')).href).toBe('http://127.0.0.1:4010/prefix/token');
    expect(() => googleTokenUrl(ctx('ftp://x/token'))).toThrow(PlatformRequestError);
  });

  it('the service-account assertion is an RS256 JWT with iss, scope, aud, iat and exp an hour later', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const nowMs = Date.parse('2026-12-01T10:00:00Z');
    // Key files pasted through JSON keep "\n" literally: accepted too.
    const jwt = serviceAccountAssertion({
      serviceAccountEmail: 'sa@p.iam.gserviceaccount.com',
      privateKey: pem.replaceAll('\n', '\\n'),
      privateKeyId: 'k1',
      audience: GOOGLE_TOKEN_URL,
      nowMs,
    });
    const [h, c, sig] = jwt.split('.');
    const json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    expect(json(h)).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'k1' });
    expect(json(c)).toEqual({
      iss: 'sa@p.iam.gserviceaccount.com',
      scope: 'https://www.googleapis.com/auth/analytics.readonly',
      aud: 'https://oauth2.googleapis.com/token',
      iat: nowMs / 1000,
      exp: nowMs / 1000 + 3600,
    });
    expect(createVerify('RSA-SHA256').update(`${h}.${c}`).verify(createPublicKey(privateKey), sig, 'base64url')).toBe(true);
    expect(() => serviceAccountAssertion({ serviceAccountEmail: 'x', privateKey: 'not a key', audience: GOOGLE_TOKEN_URL })).toThrow(PlatformAuthError);
  });

  it('page tokens: an offset, or an offset with the time not to ask before', () => {
    expect(parseGaPageToken(undefined)).toEqual({ offset: 0 });
    expect(parseGaPageToken('50')).toEqual({ offset: 50 });
    expect(parseGaPageToken('50@1767254460000')).toEqual({ offset: 50, notBefore: 1767254460000 });
    expect(() => parseGaPageToken('-1')).toThrow(PlatformRequestError);
  });
});
