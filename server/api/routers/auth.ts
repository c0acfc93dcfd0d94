import {
  accountOverviewSchema, resendVerificationResultSchema, sessionUserSchema, signUpInputSchema, signUpResultSchema, verifyEmailInputSchema,
  verifyEmailResultSchema,
} from "@/lib/schemas/auth";
import { authedProcedure, publicProcedure, router } from "../trpc";
import { accountOverview, signUp } from "@/server/users/service";
import { resendVerificationMail, verifyEmailToken, verificationMailEnabled } from "@/server/auth/email-verification";

export const authRouter = router({
  signUp: publicProcedure.input(signUpInputSchema).output(signUpResultSchema).mutation(({ ctx, input }) => signUp(input, { clientAddress: ctx.clientAddress })),
  me: authedProcedure.output(sessionUserSchema).query(({ ctx }) => ctx.user),
  /** account settings: email verification state and connected identities */
  account: authedProcedure
    .output(accountOverviewSchema)
    .query(async ({ ctx }) => ({ ...(await accountOverview(ctx.user.id)), verificationMail: verificationMailEnabled() })),
  resendVerification: authedProcedure.output(resendVerificationResultSchema).mutation(({ ctx }) => resendVerificationMail(ctx.user.id)),
  verifyEmail: authedProcedure.input(verifyEmailInputSchema).output(verifyEmailResultSchema).mutation(({ ctx, input }) => verifyEmailToken(input.token, ctx.user.id)),
});
