import {
  accountExportSchema,
  accountOutSchema,
  changePasswordInputSchema,
  passwordChangedOutSchema,
  signedOutEverywhereOutSchema,
} from "@/lib/schemas/account";
import { authedProcedure, router } from "../trpc";
import { changePassword, getAccount, signOutEverywhere } from "@/server/users/account";
import { deleteAccount, deleteAccountInputSchema, exportAccount } from "@/server/users/erasure";
import { z } from "zod";

/** The signed-in person's own account (no workspace). Both mutations end every session of the user. */
export const accountRouter = router({
  get: authedProcedure.output(accountOutSchema).query(({ ctx }) => getAccount(ctx.user.id)),
  changePassword: authedProcedure
    .input(changePasswordInputSchema)
    .output(passwordChangedOutSchema)
    .mutation(({ ctx, input }) => changePassword(ctx.user, input, { requestId: ctx.requestId })),
  signOutEverywhere: authedProcedure.output(signedOutEverywhereOutSchema).mutation(({ ctx }) => signOutEverywhere(ctx.user.id, { requestId: ctx.requestId })),
  /** a JSON document of the person's profile, memberships and authored rows (a mutation: it is a download, never cached) */
  export: authedProcedure.output(accountExportSchema).mutation(({ ctx }) => exportAccount(ctx.user)),
  /** deletes the account (refused while the last owner of a workspace with other members); their rows are anonymised */
  delete: authedProcedure
    .input(deleteAccountInputSchema)
    .output(z.object({ deleted: z.literal(true), workspacesDeleted: z.array(z.string()) }))
    .mutation(({ ctx, input }) => deleteAccount(ctx.user, input, { requestId: ctx.requestId, clientIp: ctx.clientIp, userAgent: ctx.userAgent })),
});
