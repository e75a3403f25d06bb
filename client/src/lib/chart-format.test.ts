import { describe, expect, it } from 'vitest';
import { compactAxisWidth, compactNumber, depthSummary, throughputSummary } from './chart-format.ts';

describe('compact axis numbers', () => {
  it('keeps small counts whole and shortens thousands, millions and billions', () => {
    expect(compactNumber(0)).toBe('0');
    expect(compactNumber(7)).toBe('7');
    expect(compactNumber(950)).toBe('950');
    expect(compactNumber(999)).toBe('999');
    expect(compactNumber(1000)).toBe('1k');
    expect(compactNumber(1200)).toBe('1.2k');
    expect(compactNumber(50_000)).toBe('50k');
    expect(compactNumber(200_000)).toBe('200k');
    expect(compactNumber(1_200_000)).toBe('1.2M');
    expect(compactNumber(3_000_000_000)).toBe('3B');
    expect(compactNumber(0.5)).toBe('0.5');
    expect(compactNumber(-1500)).toBe('-1.5k');
  });

  it('moves to the next scale when rounding reaches it, and drops decimals from 100 up', () => {
    expect(compactNumber(999.96)).toBe('1k');
    expect(compactNumber(999_999)).toBe('1M');
    expect(compactNumber(123_456)).toBe('123k');
    expect(compactNumber(12_345)).toBe('12.3k');
  });

  it('gives the y axis room for its longest label', () => {
    // "200000" was cut to ":00000" in a 40 px axis; "200k" must fit with room to spare.
    expect(compactAxisWidth(200_000)).toBeGreaterThanOrEqual(8 + 7 * '200k'.length);
    expect(compactAxisWidth(1_200_000)).toBeGreaterThanOrEqual(8 + 7 * '1.2M'.length);
    expect(compactAxisWidth(3)).toBe(32);
  });
});

describe('chart summaries', () => {
  it('sums throughput over the range and names the busiest bucket', () => {
    const points = [
      { t: 0, completed: 1000, failed: 4 },
      { t: 60_000, completed: 204, failed: 32 },
    ];
    expect(throughputSummary(points, 1, '1h')).toBe('1,204 completed and 36 failed over the last hour; at most 1,004 jobs in one minute.');
    expect(throughputSummary([{ t: 0, completed: 1, failed: 0 }], 12, '24h')).toBe(
      '1 completed and 0 failed over the last 24 hours; at most 1 job in 12 minutes.',
    );
  });

  it('says the depth now and the highest waiting count', () => {
    const points = [
      { t: 0, waiting: 210_000, active: 2, failed: 49_000 },
      { t: 10_000, waiting: 200_000, active: 0, failed: 50_000 },
    ];
    expect(depthSummary(points, '7d')).toBe('Now 200,000 waiting, 0 active, 50,000 failed; waiting peaked at 210,000 over the last 7 days.');
    expect(depthSummary([], '1h')).toBe('No depth samples over the last hour.');
  });
});
