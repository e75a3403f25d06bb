import { describe, expect, it } from 'vitest';
import { tabTarget } from './StateTabs.tsx';

describe('state tab keys', () => {
  it('moves with the arrows, wrapping at both ends, and jumps with Home and End', () => {
    expect(tabTarget('ArrowRight', 0, 6)).toBe(1);
    expect(tabTarget('ArrowRight', 5, 6)).toBe(0);
    expect(tabTarget('ArrowLeft', 0, 6)).toBe(5);
    expect(tabTarget('ArrowLeft', 3, 6)).toBe(2);
    expect(tabTarget('Home', 4, 6)).toBe(0);
    expect(tabTarget('End', 1, 6)).toBe(5);
  });

  it('leaves every other key alone (Tab, Enter, letters)', () => {
    expect(tabTarget('Tab', 2, 6)).toBeUndefined();
    expect(tabTarget('Enter', 2, 6)).toBeUndefined();
    expect(tabTarget('a', 2, 6)).toBeUndefined();
  });
});
