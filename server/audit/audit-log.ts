import { randomUUID } from 'node:crypto';
import type { Redis } from '../redis.ts';
import type { AuditEntry } from '../../shared/audit.ts';

export type { AuditEntry };

/**
 * The audit log: a capped Redis list, newest first, shared by every server process.
 * Capped so a runaway script cannot fill Redis; MAX_ENTRIES is months of human activity.
 */
export class AuditLog {
  static readonly MAX_ENTRIES = 100_000;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {}

  async record(entry: Omit<AuditEntry, 'id' | 'at'> & { at?: number }): Promise<AuditEntry> {
    const full: AuditEntry = { id: randomUUID(), at: entry.at ?? Date.now(), ...entry };
    // Keep at most 20 ids in an entry: a bulk action on thousands is recorded by its count.
    if (full.jobIds && full.jobIds.length > 20) {
      full.count ??= full.jobIds.length;
      full.jobIds = full.jobIds.slice(0, 20);
    }
    await this.redis
      .multi()
      .lpush(this.key, JSON.stringify(full))
      .ltrim(this.key, 0, AuditLog.MAX_ENTRIES - 1)
      .exec();
    return full;
  }

  async list(page = 1, pageSize = 50): Promise<{ entries: AuditEntry[]; total: number; page: number; pageSize: number }> {
    const start = (page - 1) * pageSize;
    const [raw, total] = await Promise.all([this.redis.lrange(this.key, start, start + pageSize - 1), this.redis.llen(this.key)]);
    return { entries: raw.map((r) => JSON.parse(r) as AuditEntry), total, page, pageSize };
  }
}
