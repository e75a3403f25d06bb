/**
 * Which worker errors reach the log: a Redis connection's failures never (the connection logs the outage once),
 * anything else once per queue and message per window.
 */
import { describe, expect, it } from 'vitest';
import { isConnectionError, workerErrorGate } from '../../server/queue/worker.ts';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isConnectionError', () => {
  it.each([
    withCode('connect ECONNREFUSED 127.0.0.1:6379', 'ECONNREFUSED'),
    new Error('connect ECONNREFUSED 127.0.0.1:6379'),
    withCode('read ECONNRESET', 'ECONNRESET'),
    withCode('connect ETIMEDOUT', 'ETIMEDOUT'),
    withCode('getaddrinfo ENOTFOUND redis', 'ENOTFOUND'),
    new Error('Connection is closed.'),
    new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    new Error('Command timed out'),
    new Error("Cluster isn't ready and enableOfflineQueue options is false"),
  ])('a connection failure: $message', (err) => {
    expect(isConnectionError(err)).toBe(true);
  });

  it.each([
    new Error('Missing lock for job 12. moveToFinished'),
    new Error('ERR Error running script (call to f_1234): @user_script:1: something'),
    new Error('NOSCRIPT No matching script'),
    new Error('Cannot read properties of undefined'),
  ])('not a connection failure: $message', (err) => {
    expect(isConnectionError(err)).toBe(false);
  });
});

describe('workerErrorGate', () => {
  it('never lets a connection error through, however often and on however many queues', () => {
    const gate = workerErrorGate(30_000);
    const seen = ['alerts', 'data-sync', 'alerts', 'email-sending'].map((q) => gate(q, withCode('connect ECONNREFUSED 127.0.0.1:6379', 'ECONNREFUSED')));
    expect(seen).toEqual([false, false, false, false]);
  });

  it('lets any other error through once per queue and message within the window', () => {
    const gate = workerErrorGate(30_000);
    const lock = new Error('Missing lock for job 1');
    expect(gate('alerts', lock)).toBe(true);
    expect(gate('alerts', lock)).toBe(false);
    expect(gate('data-sync', lock)).toBe(true);
    expect(gate('alerts', new Error('another failure'))).toBe(true);
  });

  it('lets a repeated error through again once the window has passed', () => {
    const gate = workerErrorGate(0);
    const err = new Error('Missing lock for job 1');
    expect(gate('alerts', err)).toBe(true);
    expect(gate('alerts', err)).toBe(true);
  });
});
