import { describe, expect, it } from 'vitest';
import { PlatformRateLimitError } from '../../server/domain/connectors/errors.ts';
import { UNTOLD_THROTTLE_BASE_MS, UNTOLD_THROTTLE_CAP_MS, throttleDelayMs } from '../../server/domain/sync/data-sync.ts';

describe('throttleDelayMs', () => {
  it('waits exactly as long as the platform says, however many throttles came before', () => {
    const told = new PlatformRateLimitError('429', 2_500);
    expect([1, 2, 9].map((n) => throttleDelayMs(told, n))).toEqual([2_500, 2_500, 2_500]);
  });

  it('backs off 30 s, doubling per throttle in a row, when the platform names no wait', () => {
    const untold = new PlatformRateLimitError('RESOURCE_EXHAUSTED', 1_000, false);
    expect([1, 2, 3, 4].map((n) => throttleDelayMs(untold, n))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(UNTOLD_THROTTLE_BASE_MS).toBe(30_000);
  });

  it('never waits longer than the cap, and never less than the floor the connector gives', () => {
    const untold = new PlatformRateLimitError('quota', 1_000, false);
    expect(throttleDelayMs(untold, 20)).toBe(UNTOLD_THROTTLE_CAP_MS);
    expect(UNTOLD_THROTTLE_CAP_MS).toBe(3_600_000);
    const floored = new PlatformRateLimitError('quota', 90_000, false);
    expect([1, 2, 3].map((n) => throttleDelayMs(floored, n))).toEqual([90_000, 90_000, 120_000]);
  });
});
