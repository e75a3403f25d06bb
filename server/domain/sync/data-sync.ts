import type { AlertJobData, DataSyncJobData, Platform } from '../../../shared/jobs.ts';
import type { Integration } from '../../../shared/domain.ts';
import { DelayJobError, PermanentJobError, type ProcessorContext } from '../../jobs/contract.ts';
import { PlatformAccessError, PlatformAuthError, PlatformRateLimitError, PlatformRequestError } from '../connectors/errors.ts';
import type { Connector, ConnectorContext, SyncWindow } from '../connectors/types.ts';
import type { Store } from '../store/store.ts';
import type { RateBudget } from './rate-budget.ts';
import { syncWindow } from './sync-window.ts';

export interface DataSyncDeps {
  store: Store;
  connectors: Record<Platform, Connector>;
  /** The API base URL for an integration (its own, a stand-in's, or the platform's). */
  baseUrlFor(integration: Integration, connector: Connector): Promise<string> | string;
  budget: RateBudget;
  /** Queues an alert (AUTH_ERROR…); deduplicated by the caller's key. */
  raiseAlert(data: AlertJobData, dedupeKey: string): Promise<void>;
  /** A sync brought new data for an organization (insights follow, debounced by the caller). */
  onNewData?(organizationId: string): Promise<void>;
}

/** Where an interrupted sync (429, budget, crash) picks up: kept as the job's progress. */
interface Checkpoint {
  runId: string;
  window: SyncWindow & { mode: string };
  pageToken?: string;
  pages: number;
  records: number;
  changed: number;
  cursor: string | null;
  /** Throttles in a row without a page between them (the backoff grows with it when the platform names no wait). */
  throttles?: number;
  notice?: string;
}

/** Backoff for a throttle the platform names no wait for: 30 s, doubling per throttle in a row, at most an hour. */
export const UNTOLD_THROTTLE_BASE_MS = 30_000;
export const UNTOLD_THROTTLE_CAP_MS = 3_600_000;
export function throttleDelayMs(err: PlatformRateLimitError, throttlesInARow: number): number {
  if (err.told) return err.retryAfterMs;
  const grown = UNTOLD_THROTTLE_BASE_MS * 2 ** Math.max(0, throttlesInARow - 1);
  return Math.min(UNTOLD_THROTTLE_CAP_MS, Math.max(err.retryAfterMs, grown));
}

export interface DataSyncResult {
  integrationId: string;
  mode: string;
  pages: number;
  records: number;
  /** Rows of records and metrics that changed: 0 means the sync brought nothing new. */
  changed: number;
  skipped?: string;
  /** The run's notice (shown with the job's result in the console). */
  notice?: string;
}

const RECORD_PLATFORMS = new Set<Platform>(['shopify', 'woocommerce', 'stripe']);

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

function asCheckpoint(v: unknown): Checkpoint | undefined {
  return v && typeof v === 'object' && 'runId' in v && 'window' in v ? (v as Checkpoint) : undefined;
}

/**
 * The data-sync processor: pages through the platform's API, stores records and metrics
 * idempotently, reports progress and checkpoints after every page, honours the AbortSignal
 * between pages, and records the run. 429 and the per-integration budget delay the job (no busy
 * loop); 401/403 mark the integration NEEDS_REAUTH, raise an alert and fail without retries;
 * 5xx and network errors throw, so BullMQ retries with backoff from the last checkpoint.
 */
export function createDataSyncProcessor(deps: DataSyncDeps) {
  return async function dataSync(data: DataSyncJobData, ctx: ProcessorContext): Promise<DataSyncResult> {
    const integration = await deps.store.getIntegration(data.integrationId);
    if (!integration) throw new PermanentJobError(`Integration "${data.integrationId}" does not exist`);
    if (integration.status === 'DISABLED' || integration.status === 'NEEDS_REAUTH') {
      return { integrationId: integration.id, mode: 'skipped', pages: 0, records: 0, changed: 0, skipped: `integration is ${integration.status}` };
    }
    const connector = deps.connectors[integration.platform];
    const secrets = await deps.store.getIntegrationSecrets(integration.id);
    const recordBased = RECORD_PLATFORMS.has(integration.platform);

    const resumed = asCheckpoint(ctx.lastProgress);
    const cp: Checkpoint = resumed ?? {
      runId: await deps.store.startSyncRun({
        integrationId: integration.id,
        organizationId: integration.organizationId,
        jobId: ctx.jobId,
        syncType: data.syncType,
      }),
      window: syncWindow(data, integration.syncCursor, recordBased),
      pages: 0,
      records: 0,
      changed: 0,
      cursor: integration.syncCursor,
    };
    if (resumed) await deps.store.updateSyncRun(cp.runId, { status: 'running' });

    try {
      // Inside the try: an unresolvable base URL (a stand-in that is down) must close the run too.
      const connCtx: ConnectorContext = {
        baseUrl: await deps.baseUrlFor(integration, connector),
        credentials: secrets?.credentials ?? {},
        settings: integration.settings,
        signal: ctx.signal,
        async saveCredentials(patch) {
          connCtx.credentials = { ...connCtx.credentials, ...patch };
          await deps.store.updateIntegration(integration.id, { credentials: connCtx.credentials });
        },
      };
      do {
        if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('aborted');
        const budget = await deps.budget.take(integration.id);
        if (!budget.ok) throw new PlatformRateLimitError('per-integration call budget spent', budget.retryAfterMs);

        const page = await connector.fetchPage(connCtx, cp.window, cp.pageToken);
        if (page.records.length > 0) {
          const stored = await deps.store.upsertRecords(integration, page.records, 'sync');
          cp.changed += stored.changed + (await deps.store.recomputeRecordMetrics(integration, stored.affectedDays));
          for (const r of page.records) if (!cp.cursor || r.updatedAt > cp.cursor) cp.cursor = r.updatedAt;
        }
        if (page.metrics.length > 0) cp.changed += await deps.store.upsertMetrics(integration, page.metrics);
        cp.pages += 1;
        cp.records += page.records.length + page.metrics.length;
        cp.pageToken = page.nextPage;
        cp.throttles = 0;
        const newNotice = page.notice !== undefined && page.notice !== cp.notice;
        if (newNotice) cp.notice = page.notice;
        await ctx.progress({ ...cp });
        await deps.store.updateSyncRun(cp.runId, { pages: cp.pages, records: cp.records, ...(newNotice ? { notice: cp.notice } : {}) });
        // A platform that says how full its bucket is: near the top, slow down rather than be throttled.
        if (cp.pageToken) {
          const full = page.callLimit && page.callLimit.used / page.callLimit.max >= 0.8;
          const pause = Math.max(page.pauseMs ?? 0, full ? 1000 : 0);
          if (pause > 0) await sleep(pause, ctx.signal);
        }
      } while (cp.pageToken);
    } catch (err) {
      return handleFailure(err, deps, integration, cp, ctx);
    }

    const cursor = recordBased ? cp.cursor : new Date().toISOString();
    await deps.store.recordSyncSuccess(integration.id, cursor);
    await deps.store.updateSyncRun(cp.runId, { status: 'succeeded', finished: true, error: null });
    // The job's own logger: the line carries queue and jobId.
    ctx.log.info(
      { integrationId: integration.id, platform: integration.platform, mode: cp.window.mode, pages: cp.pages, records: cp.records, changed: cp.changed },
      'Sync finished',
    );
    if (cp.changed > 0) await deps.onNewData?.(integration.organizationId);
    return {
      integrationId: integration.id,
      mode: cp.window.mode,
      pages: cp.pages,
      records: cp.records,
      changed: cp.changed,
      ...(cp.notice ? { notice: cp.notice } : {}),
    };
  };
}

async function handleFailure(err: unknown, deps: DataSyncDeps, integration: Integration, cp: Checkpoint, ctx: ProcessorContext): Promise<never> {
  const message = (err as Error)?.message ?? String(err);
  if (err instanceof PlatformRateLimitError) {
    // Wait as the platform says, then resume from this page: the checkpoint is the job's progress.
    cp.throttles = (cp.throttles ?? 0) + 1;
    const delayMs = throttleDelayMs(err, cp.throttles);
    await ctx.progress({ ...cp });
    await deps.store.updateSyncRun(cp.runId, { status: 'deferred', error: `rate limited: ${message}` });
    throw new DelayJobError(delayMs, `${integration.platform} rate limit: retry in ${delayMs} ms`);
  }
  await deps.store.updateSyncRun(cp.runId, { status: 'failed', finished: true, error: ctx.signal.aborted ? `stopped: ${message}` : message });
  // The checkpoint stays in the job's progress: a retry (5xx, network, timeout) resumes this run.
  if (err instanceof PlatformAuthError) {
    await deps.store.setIntegrationStatus(integration.id, 'NEEDS_REAUTH', message);
    await deps.raiseAlert(
      {
        organizationId: integration.organizationId,
        alertType: 'AUTH_ERROR',
        severity: 'HIGH',
        message: `${integration.platform} integration "${integration.name}" was refused (${err.status ?? 'auth'}): reconnect it`,
        metadata: { integrationId: integration.id, platform: integration.platform, status: err.status ?? null },
      },
      `auth-error-${integration.id}`,
    );
    throw new PermanentJobError(`Credentials refused by ${integration.platform} (${err.status}): integration marked NEEDS_REAUTH`);
  }
  if (err instanceof PlatformAccessError) {
    await deps.store.setIntegrationStatus(integration.id, 'ERROR', message);
    await deps.raiseAlert(
      {
        organizationId: integration.organizationId,
        alertType: err.alertType,
        severity: 'HIGH',
        message: `${integration.platform} integration "${integration.name}": ${message}`.slice(0, 1000),
        metadata: { integrationId: integration.id, platform: integration.platform, status: err.status ?? null },
      },
      `${err.alertType.toLowerCase()}-${integration.id}`,
    );
    throw new PermanentJobError(`${integration.platform} refused access: ${message}`);
  }
  if (err instanceof PlatformRequestError) throw new PermanentJobError(`${integration.platform} refused the request: ${message}`);
  if (ctx.attempt >= ctx.maxAttempts && !ctx.signal.aborted) await deps.store.setIntegrationStatus(integration.id, 'ERROR', message);
  throw err;
}
