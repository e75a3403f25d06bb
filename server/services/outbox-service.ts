import type { OutboxEmail } from '../../shared/domain.ts';
import type { OutboxStore } from '../domain/store/outbox-store.ts';
import { NotFoundError } from '../errors.ts';
import { limitOffset, withPage, type PageInput } from './paging.ts';

export class OutboxService {
  constructor(private readonly outbox: Pick<OutboxStore, 'list' | 'get'>) {}

  async list(input: PageInput & { status?: OutboxEmail['status'] }) {
    return withPage(await this.outbox.list({ status: input.status, ...limitOffset(input) }), input);
  }

  /** One email with its rendered HTML and text, for the preview. */
  async get(id: string) {
    const email = await this.outbox.get(id);
    if (!email) throw new NotFoundError(`Email "${id}" not found`);
    return email;
  }
}
