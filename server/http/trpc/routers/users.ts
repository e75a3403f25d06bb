import { idRefSchema, inviteCreateInputSchema, userSetRoleInputSchema, userSetStatusInputSchema } from '../../../../shared/users.ts';
import { adminProcedure, router } from '../init.ts';

/** Accounts and invites: admins only. Every change is audited (users.*). */
export const usersRouter = router({
  list: adminProcedure.query(({ ctx }) => ctx.services.users.list()),
  invites: adminProcedure.query(({ ctx }) => ctx.services.users.listInvites()),
  /** The invite's token comes back once: the console shows `<origin>/accept-invite#token=<token>`. */
  invite: adminProcedure
    .input(inviteCreateInputSchema)
    .mutation(({ ctx, input }) =>
      ctx.services.actions.audited(ctx.actor, 'users.invite', { detail: { email: input.email, role: input.role } }, () =>
        ctx.services.users.invite(ctx.user, input),
      ),
    ),
  revokeInvite: adminProcedure
    .input(idRefSchema)
    .mutation(({ ctx, input }) =>
      ctx.services.actions.audited(ctx.actor, 'users.revokeInvite', { detail: { inviteId: input.id } }, () =>
        ctx.services.users.revokeInvite(ctx.user, input.id),
      ),
    ),
  setRole: adminProcedure
    .input(userSetRoleInputSchema)
    .mutation(({ ctx, input }) =>
      ctx.services.actions.audited(ctx.actor, 'users.setRole', { detail: { userId: input.id, role: input.role } }, () =>
        ctx.services.users.setRole(ctx.user, input.id, input.role),
      ),
    ),
  setStatus: adminProcedure
    .input(userSetStatusInputSchema)
    .mutation(({ ctx, input }) =>
      ctx.services.actions.audited(ctx.actor, 'users.setStatus', { detail: { userId: input.id, status: input.status } }, () =>
        ctx.services.users.setStatus(ctx.user, input.id, input.status),
      ),
    ),
});
