import { z } from 'zod';
import { router, viewerProcedure } from '../init.ts';

export const authRouter = router({
  /** Who is calling, as the console shows it. */
  me: viewerProcedure.query(({ ctx }) => ({ user: ctx.user })),
  ping: viewerProcedure.input(z.void()).query(() => ({ at: Date.now() })),
});
