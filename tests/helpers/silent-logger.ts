import pino from 'pino';

/** A real pino logger that writes nowhere (level silent), for code under test that wants one. */
export const silentLogger = pino({ level: 'silent' });
