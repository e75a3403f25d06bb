import { randomUUID } from 'node:crypto';
import { isCluster, type Redis } from '../redis.ts';
import { auditIdentityOf, type AuditEntry, type AuditPerson } from '../../shared/audit.ts';

export type { AuditEntry, AuditPerson };

export interface AuditPage {
  entries: AuditEntry[];
  total: number;
  page: number;
  pageSize: number;
}

/**
 * The audit log: a capped Redis list, newest first, shared by every server process.
 * Capped so a runaway script cannot fill Redis; MAX_ENTRIES is months of human activity.
 *
 * Filtering by person: each entry is also pushed, in the same MULTI, onto a capped list of that person's own
 * (`<key>:by:<identity>`), and a person's page is read from there: one LRANGE like the unfiltered page, where
 * scanning the main list would read up to 100,000 entries for someone who acted rarely. The entry is copied
 * (not its id) because the main list is addressed by position only; a copy is ~300 bytes, and PER_PERSON
 * bounds what one identity can hold. People seen are a sorted set by their latest entry, for the filter's choices.
 */
export class AuditLog {
  static readonly MAX_ENTRIES = 100_000;
  /** A person's own list: their newest entries, far more than a page-through of the console ever reaches. */
  static readonly PER_PERSON = 10_000;
  /** Identities kept for `people()`, most recent first. */
  static readonly MAX_PEOPLE = 1_000;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {}

  /**
   * A key beside the log's own, in its hash slot on a cluster (one MULTI writes both): the whole key is what a
   * cluster hashes when it has no `{tag}`, so `{<key>}:…` lands in the same slot.
   */
  private sibling(suffix: string): string {
    const tagged = /\{[^}]+\}/.test(this.key);
    return isCluster(this.redis) && !tagged ? `{${this.key}}:${suffix}` : `${this.key}:${suffix}`;
  }

  private byKey(identity: string) {
    return this.sibling(`by:${identity}`);
  }

  async record(entry: Omit<AuditEntry, 'id' | 'at'> & { at?: number }): Promise<AuditEntry> {
    const full: AuditEntry = { id: randomUUID(), at: entry.at ?? Date.now(), ...entry };
    // Keep at most 20 ids in an entry: a bulk action on thousands is recorded by its count.
    if (full.jobIds && full.jobIds.length > 20) {
      full.count ??= full.jobIds.length;
      full.jobIds = full.jobIds.slice(0, 20);
    }
    const json = JSON.stringify(full);
    const identity = auditIdentityOf(full);
    const people = this.sibling('people');
    const person = { name: full.user, userId: full.userId, email: full.email };
    await this.redis
      .multi()
      .lpush(this.key, json)
      .ltrim(this.key, 0, AuditLog.MAX_ENTRIES - 1)
      .lpush(this.byKey(identity), json)
      .ltrim(this.byKey(identity), 0, AuditLog.PER_PERSON - 1)
      .zadd(people, full.at, identity)
      .zremrangebyrank(people, 0, -(AuditLog.MAX_PEOPLE + 1))
      .hset(this.sibling('people:names'), identity, JSON.stringify(person))
      .exec();
    return full;
  }

  /** Newest first; with `user` (a user id, or the name of an identity without one), only that person's entries. */
  async list(page = 1, pageSize = 50, filter: { user?: string } = {}): Promise<AuditPage> {
    const key = filter.user === undefined ? this.key : this.byKey(filter.user);
    const start = (page - 1) * pageSize;
    const [raw, total] = await Promise.all([this.redis.lrange(key, start, start + pageSize - 1), this.redis.llen(key)]);
    return { entries: raw.map((r) => JSON.parse(r) as AuditEntry), total, page, pageSize };
  }

  /** The people (and tokens) with entries, most recently active first: what the console's filter offers. */
  async people(limit = 200): Promise<AuditPerson[]> {
    const flat = await this.redis.zrevrange(this.sibling('people'), 0, limit - 1, 'WITHSCORES');
    const identities = flat.filter((_, i) => i % 2 === 0);
    if (identities.length === 0) return [];
    const names = await this.redis.hmget(this.sibling('people:names'), ...identities);
    return identities.map((identity, i) => {
      const person = JSON.parse(names[i] ?? '{}') as { name?: string; userId?: string; email?: string };
      return { identity, name: person.name ?? identity, userId: person.userId, email: person.email, lastAt: Number(flat[i * 2 + 1]) };
    });
  }
}
