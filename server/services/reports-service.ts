import { randomUUID } from 'node:crypto';
import type { ReportJobData } from '../../shared/jobs.ts';
import { QueueName } from '../../shared/queues.ts';
import type { ReportStore } from '../domain/store/reports-store.ts';
import type { Actor, QueueActions } from '../monitoring/queue-actions.ts';
import type { OrganizationsService } from './organizations-service.ts';
import { limitOffset, withPage, type PageInput } from './paging.ts';

type ReportType = ReportJobData['reportType'];

/** The period each report covers, in the insights' period names. */
export const PERIOD_BY_REPORT_TYPE: Record<ReportType, string> = { weekly: '7d', monthly: '30d', quarterly: '90d' };

export interface ReportsServiceDeps {
  reports: Pick<ReportStore, 'list'>;
  organizations: Pick<OrganizationsService, 'require'>;
  actions: Pick<QueueActions, 'addJob'>;
}

export class ReportsService {
  constructor(private readonly deps: ReportsServiceDeps) {}

  async list(input: PageInput & { organizationId?: string }) {
    return withPage(await this.deps.reports.list({ organizationId: input.organizationId, ...limitOffset(input) }), input);
  }

  /** Queues a report; its id is known at once, so the console can follow it before the job runs. */
  async generate(actor: Actor, input: { organizationId: string; reportType: ReportType; recipientEmails?: string[] }) {
    const { organizationId, reportType, recipientEmails } = input;
    await this.deps.organizations.require(organizationId);
    const reportId = `${organizationId}-${reportType}-${randomUUID().slice(0, 8)}`;
    const job = await this.deps.actions.addJob(actor, QueueName.REPORT_GENERATION, {
      reportId,
      organizationId,
      reportType,
      period: PERIOD_BY_REPORT_TYPE[reportType],
      recipientEmails,
    });
    return { jobId: job.id, reportId };
  }
}
