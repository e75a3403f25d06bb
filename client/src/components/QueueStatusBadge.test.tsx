import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { QueueStatusBadge } from './QueueStatusBadge.tsx';

const text = (el: React.ReactElement) => renderToStaticMarkup(el).replace(/<[^>]+>/g, '');

describe('QueueStatusBadge', () => {
  it('says paused, "No workers" when no live worker serves the queue, else running', () => {
    expect(text(<QueueStatusBadge isPaused waiting={5} workers={0} />)).toBe('paused');
    expect(text(<QueueStatusBadge isPaused={false} waiting={5} workers={0} />)).toBe('No workers');
    expect(text(<QueueStatusBadge isPaused={false} waiting={0} workers={0} />)).toBe('No workers');
    expect(text(<QueueStatusBadge isPaused={false} waiting={5} workers={2} />)).toBe('running');
    // Not read yet: as before heartbeats existed.
    expect(text(<QueueStatusBadge isPaused={false} waiting={5} workers={undefined} />)).toBe('running');
  });

  it('is red only while jobs wait with nobody to run them', () => {
    expect(renderToStaticMarkup(<QueueStatusBadge isPaused={false} waiting={5} workers={0} />)).toContain('bg-red-100');
    expect(renderToStaticMarkup(<QueueStatusBadge isPaused={false} waiting={0} workers={0} />)).not.toContain('bg-red-100');
  });
});
