import { Readable, pipeline } from 'node:stream';
import express, { type NextFunction, type Request, type Response } from 'express';
import { exportQuerySchema, type ExportQuery } from '../../../shared/job-history.ts';
import { isQueueName, type QueueName } from '../../../shared/queues.ts';
import { CONTENT_TYPES, csvHeader, exportRow, formatRow } from '../../jobs-export/export-format.ts';
import { readForExport, type ExportSource, type GroupJobIds } from '../../jobs-export/export-reader.ts';
import type { JobView } from '../../queue/job-view.ts';
import type { Logger } from '../../logger.ts';
import { UnknownQueueError } from '../../queue/errors.ts';
import { requireUser } from '../middleware/auth.ts';

/** Characters per write (a few rows of typical jobs). */
const CHUNK = 64 * 1024;

export interface ExportRestDeps {
  queueService: ExportSource;
  /** Error groups' job ids (server/failures), for `?group=`. */
  groupJobIds: GroupJobIds;
  log: Logger;
}

/** The export's file name: queue, state and the time, e.g. alerts-failed-20240501T101500Z.csv. */
export function exportFileName(queue: QueueName, q: ExportQuery, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${queue}-${q.group ? `group-${q.group}` : q.state}${q.q ? '-search' : ''}-${stamp}.${q.format}`;
}

/**
 * GET /api/jobs/:queue/export?state=failed&format=ndjson|csv&limit=&q= (any signed-in user): a state's jobs
 * (matching q) as a download, streamed as it reads them a page at a time and only as fast as the client takes
 * them, at most `limit` rows (default 10,000, at most 100,000).
 */
export function exportRestRoutes(deps: ExportRestDeps): express.Router {
  const router = express.Router();
  router.get('/:queue/export', requireUser, async (req: Request, res: Response, next: NextFunction) => {
    let rows: AsyncGenerator<JobView>;
    let first: IteratorResult<JobView>;
    let query: ExportQuery;
    let queue: QueueName;
    try {
      const name = String(req.params.queue);
      if (!isQueueName(name)) throw new UnknownQueueError(name);
      queue = name;
      query = exportQuerySchema.parse(req.query);
      rows = readForExport(deps.queueService, queue, {
        state: query.state,
        limit: query.limit,
        text: query.q,
        group: query.group ? { fingerprint: query.group, ids: deps.groupJobIds } : undefined,
      });
      // The first page is read before any header goes out, so a failure to read is still a clean error response.
      first = await rows.next();
    } catch (err) {
      return next(err);
    }
    const format = query.format;
    res.status(200);
    res.setHeader('Content-Type', CONTENT_TYPES[format]);
    res.setHeader('Content-Disposition', `attachment; filename="${exportFileName(queue, query)}"`);
    res.setHeader('Cache-Control', 'no-store');
    // Rows go out in chunks of about CHUNK characters: one write per row would cost a round of flow control each.
    async function* chunks(): AsyncGenerator<string> {
      let chunk = format === 'csv' ? csvHeader() : '';
      if (!first.done) chunk += formatRow(exportRow(first.value), format);
      for await (const job of rows) {
        chunk += formatRow(exportRow(job), format);
        if (chunk.length >= CHUNK) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    }
    // pipeline waits on the response's 'drain' (backpressure) and, when the client goes away, ends the reader.
    pipeline(Readable.from(chunks()), res, (err) => {
      if (err && (err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
        (req.log ?? deps.log).warn({ err: err.message, queue, state: query.state }, 'Job export stopped early');
      }
    });
  });
  return router;
}
