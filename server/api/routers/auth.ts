import {
  accountOverviewSchema,
  resendVerificationResultSchema,
  sessionUserSchema,
  signUpInputSchema,
  signUpResultSchema,
  verifyEmailInputSchema,
  verifyEmailResultSchema,
} from "@/lib/schemas/auth";
import { authEventPageSchema, listAuthEventsInputSchema } from "@/lib/schemas/audit";
import { authedProcedure, publicProcedure, router } from "../trpc";
import { listMyAuthEvents } from "@/server/audit/auth-events";
import { accountOverview, signUp } from "@/server/users/service";
import { resendVerificationMail, verifyEmailToken, verificationMailEnabled } from "@/server/auth/email-verification";

export const authRouter = router({
  signUp: publicProcedure
    .input(signUpInputSchema)
    .output(signUpResultSchema)
    .mutation(({ ctx, input }) => signUp(input, { clientAddress: ctx.clientAddress ?? ctx.clientIp, userAgent: ctx.userAgent, requestId: ctx.requestId })),
  me: authedProcedure.output(sessionUserSchema).query(({ ctx }) => ({ id: ctx.user.id, email: ctx.user.email, name: ctx.user.name })),
  /** the signed-in person's own sign-ins, failures, sign-up and other authentication events, newest first */
  events: authedProcedure
    .input(listAuthEventsInputSchema)
    .output(authEventPageSchema)
    .query(({ ctx, input }) => listMyAuthEvents(ctx.user.id, input)),
  /** account settings: email verification state and connected identities */
  account: authedProcedure
    .output(accountOverviewSchema)
    .query(async ({ ctx }) => ({ ...(await accountOverview(ctx.user.id)), verificationMail: verificationMailEnabled() })),
  resendVerification: authedProcedure.output(resendVerificationResultSchema).mutation(({ ctx }) => resendVerificationMail(ctx.user.id)),
  verifyEmail: authedProcedure
    .input(verifyEmailInputSchema)
    .output(verifyEmailResultSchema)
    .mutation(({ ctx, input }) => verifyEmailToken(input.token, ctx.user.id)),
});
