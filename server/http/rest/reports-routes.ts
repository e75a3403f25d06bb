import express, { type Request, type Response } from 'express';
import type { Store } from '../../domain/store/store.ts';
import { NotFoundError } from '../../errors.ts';
import { requireUser } from '../middleware/auth.ts';

/** GET /api/reports/:id/html and /api/reports/:id/csv: a stored report, for signed-in users. */
export function reportsRestRoutes(deps: { store: Store }): express.Router {
  const router = express.Router();
  router.get('/:id/:format', requireUser, async (req: Request, res: Response) => {
    const format = String(req.params.format);
    if (format !== 'html' && format !== 'csv') throw new NotFoundError('Formats: html, csv');
    const report = await deps.store.reports.get(String(req.params.id));
    if (!report) throw new NotFoundError(`Report "${req.params.id}" not found`);
    if (format === 'csv') {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${report.id.replace(/[^\w.-]/g, '_')}.csv"`);
      return res.send(report.csv);
    }
    // The report is our own HTML with user values escaped; it still gets no scripts.
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'");
    res.type('html').send(report.html);
  });
  return router;
}
