import { describe, expect, it } from 'vitest';
import { CONNECTED, clockTime, nextState, readAnswer, readHealth, type ConnectionState } from './connection-state.ts';

describe('nextState', () => {
  it('starts an outage at the time of its first sign and keeps that time while it lasts', () => {
    const down = nextState(CONNECTED, { type: 'redis-down', at: 1_000 });
    expect(down).toEqual({ status: 'redis-down', since: 1_000 });
    expect(nextState(down, { type: 'redis-down', at: 5_000 })).toBe(down);
  });

  it('tells the server gone from Redis gone, and moves between them', () => {
    const redis: ConnectionState = { status: 'redis-down', since: 1_000 };
    expect(nextState(redis, { type: 'server-down', at: 2_000 })).toEqual({ status: 'server-down', since: 2_000 });
    expect(nextState({ status: 'server-down', since: 2_000 }, { type: 'redis-down', at: 3_000 })).toEqual({ status: 'redis-down', since: 3_000 });
  });

  it('ends either outage on a healthy answer, and stays the same object when nothing changes', () => {
    expect(nextState({ status: 'redis-down', since: 1 }, { type: 'healthy' })).toBe(CONNECTED);
    expect(nextState({ status: 'server-down', since: 1 }, { type: 'healthy' })).toBe(CONNECTED);
    expect(nextState(CONNECTED, { type: 'healthy' })).toBe(CONNECTED);
  });
});

describe('readHealth', () => {
  it('reads the redis field of our /healthz, whatever the status (503 may be a stopped worker)', () => {
    expect(readHealth(200, '{"status":"ok","redis":"up"}', 7)).toEqual({ type: 'healthy' });
    expect(readHealth(503, '{"status":"degraded","redis":"up","workers":{"alerts":false}}', 7)).toEqual({ type: 'healthy' });
    expect(readHealth(503, '{"status":"degraded","redis":"down"}', 7)).toEqual({ type: 'redis-down', at: 7 });
  });

  it("takes a gateway's error page for a missing server", () => {
    expect(readHealth(502, '<html>Bad Gateway</html>', 7)).toEqual({ type: 'server-down', at: 7 });
    expect(readHealth(504, '', 7)).toEqual({ type: 'server-down', at: 7 });
  });
});

describe('readAnswer', () => {
  it("finds REDIS_UNAVAILABLE in REST's envelope and in tRPC's error data", () => {
    expect(readAnswer(503, 'application/json', '{"success":false,"error":{"code":"REDIS_UNAVAILABLE","message":"…"}}')).toBe('redis-down');
    expect(readAnswer(503, 'application/json', '[{"error":{"code":-32603,"data":{"appCode":"REDIS_UNAVAILABLE"}}}]')).toBe('redis-down');
  });

  it('suspects a gateway error that is not ours, and ignores ordinary answers and our own 500s', () => {
    expect(readAnswer(502, 'text/html', '<html>Bad Gateway</html>')).toBe('suspect');
    expect(readAnswer(200, 'application/json', '{"REDIS_UNAVAILABLE":1}')).toBeUndefined();
    expect(readAnswer(500, 'application/json', '{"success":false,"error":{"code":"INTERNAL"}}')).toBeUndefined();
    expect(readAnswer(404, 'text/html', 'Not found')).toBeUndefined();
  });
});

describe('clockTime', () => {
  it('is HH:MM, 24-hour, in local time', () => {
    expect(clockTime(new Date(2026, 11, 1, 9, 5).getTime())).toBe('09:05');
    expect(clockTime(new Date(2026, 11, 1, 23, 59, 59).getTime())).toBe('23:59');
  });
});
