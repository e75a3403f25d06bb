import { TRPCError } from '@trpc/server';
import { roleAtLeast, type User } from '../../../../shared/auth.ts';
import { idRefSchema, tokenCreateInputSchema, tokenListInputSchema } from '../../../../shared/users.ts';
import { adminProcedure, router, viewerProcedure } from '../init.ts';

/** Personal tokens belong to an account: the environment tokens and the shared viewer password have none. */
function ownerId(user: User): string {
  if (user.id) return user.id;
  throw new TRPCError({
    code: 'FORBIDDEN',
    message: 'Personal API tokens belong to a user account: sign in with your own account (environment tokens and the shared viewer password have none)',
  });
}

const actorOf = (ctx: { user: User; ip: string }) => ({ user: ctx.user, ip: ctx.ip, source: 'trpc' as const });

/** Personal API tokens: any signed-in account manages its own; an admin also lists and revokes anyone's. */
export const tokensRouter = router({
  /** The caller's tokens, or (admin) another user's. */
  list: viewerProcedure.input(tokenListInputSchema).query(({ ctx, input }) => {
    const userId = input?.userId;
    if (userId && userId !== ctx.user.id) {
      if (!roleAtLeast(ctx.user.role, 'admin')) throw new TRPCError({ code: 'FORBIDDEN', message: "Another user's tokens need the admin role" });
      return ctx.services.users.listTokens(userId);
    }
    return ctx.user.id ? ctx.services.users.listTokens(ctx.user.id) : [];
  }),
  /** The token comes back once, in `token`; only its hash is kept. */
  create: viewerProcedure.input(tokenCreateInputSchema).mutation(({ ctx, input }) => {
    // A leaked token must not be able to mint itself a successor that outlives its revocation.
    if (ctx.user.token) throw new TRPCError({ code: 'FORBIDDEN', message: 'A personal API token cannot create tokens: sign in to the console to create one' });
    ownerId(ctx.user);
    return ctx.services.actions.audited(
      actorOf(ctx),
      'tokens.create',
      { detail: { name: input.name, role: input.role, expiresInDays: input.expiresInDays } },
      () => ctx.services.users.createToken(ctx.user, input),
    );
  }),
  revoke: viewerProcedure
    .input(idRefSchema)
    .mutation(({ ctx, input }) =>
      ctx.services.actions.audited(actorOf(ctx), 'tokens.revoke', { detail: { tokenId: input.id } }, () => ctx.services.users.revokeToken(ctx.user, input.id)),
    ),
  /** API_TOKEN / VIEWER_API_TOKEN as configured (names and roles, never the values). */
  environment: adminProcedure.query(({ ctx }) => ctx.services.auth.environmentTokens()),
});
