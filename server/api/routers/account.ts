import { accountOutSchema, changePasswordInputSchema, passwordChangedOutSchema, signedOutEverywhereOutSchema } from "@/lib/schemas/account";
import { authedProcedure, router } from "../trpc";
import { changePassword, getAccount, signOutEverywhere } from "@/server/users/account";

/** The signed-in person's own account (no workspace). Both mutations end every session of the user. */
export const accountRouter = router({
  get: authedProcedure.output(accountOutSchema).query(({ ctx }) => getAccount(ctx.user.id)),
  changePassword: authedProcedure
    .input(changePasswordInputSchema)
    .output(passwordChangedOutSchema)
    .mutation(({ ctx, input }) => changePassword(ctx.user, input, { requestId: ctx.requestId })),
  signOutEverywhere: authedProcedure.output(signedOutEverywhereOutSchema).mutation(({ ctx }) => signOutEverywhere(ctx.user.id, { requestId: ctx.requestId })),
});
