import pino, { type Logger } from 'pino';

export type { Logger };

/** Pretty lines in a terminal, JSON lines otherwise (files, log shippers, CI). */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', pretty = Boolean(process.stdout.isTTY)): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
  });
}

/** Hides the password of a redis:// or postgres:// URL for log lines. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    // Not a parseable URL (e.g. an unencoded '/' in the password): mask up to the last '@'.
    return url.replace(/\/\/([^:@/]*):(.*)@/, '//$1:***@');
  }
}
