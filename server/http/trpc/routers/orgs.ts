import { router, viewerProcedure } from '../init.ts';

export const orgsRouter = router({
  /** Organizations with their integrations (no credentials) for the console's pickers and pages. */
  list: viewerProcedure.query(({ ctx }) => ctx.services.organizations.listWithIntegrations()),
});
