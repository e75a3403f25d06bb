import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { QueueName } from '../../shared/queues.ts';
import type { QueueService } from '../queue/queue-service.ts';

type AdapterOptions = ConstructorParameters<typeof BullMQAdapter>[1];
type CleanStatus = Parameters<BullMQAdapter['clean']>[0];

/**
 * Bull Board's BullMQ adapter with its bulk writes done by QueueService, in batches of BATCH_SIZE:
 * its own empty() is one drain() call (263,031 waiting jobs blocked Redis for ~2 s) and its clean()
 * 10,000 jobs a call. The router answers these actions through QueueActions first
 * (bull-board-actions.ts); this keeps any Bull Board path that still reaches them batched.
 */
export class BatchedBullMQAdapter extends BullMQAdapter {
  constructor(
    private readonly queueService: QueueService,
    private readonly queueName: QueueName,
    options?: AdapterOptions,
  ) {
    super(queueService.queue(queueName), options);
  }

  // The console's Empty: every job that is not active, so both UIs mean the same by it.
  override async empty(): Promise<void> {
    await this.queueService.emptyQueue(this.queueName);
  }

  override async clean(status: CleanStatus, graceTimeMs: number): Promise<void> {
    await this.queueService.cleanList(this.queueName, status, graceTimeMs);
  }

  override async promoteAll(): Promise<void> {
    await this.queueService.promoteAllDelayed(this.queueName);
  }
}
