import {
  accountOverviewSchema,
  requestPasswordResetInputSchema,
  requestPasswordResetResultSchema,
  resendVerificationResultSchema,
  resetPasswordInputSchema,
  resetPasswordResultSchema,
  sessionUserSchema,
  signUpInputSchema,
  signUpResultSchema,
  verifyEmailInputSchema,
  verifyEmailResultSchema,
} from "@/lib/schemas/auth";
import { authEventPageSchema, listAuthEventsInputSchema } from "@/lib/schemas/audit";
import { ssoForInputSchema, ssoForResultSchema } from "@/lib/schemas/sso";
import { authedProcedure, publicProcedure, router } from "../trpc";
import { ssoForEmail } from "@/server/sso/routing";
import { listMyAuthEvents } from "@/server/audit/auth-events";
import { accountOverview, signUp } from "@/server/users/service";
import { resendVerificationMail, verifyEmailToken, verificationMailEnabled } from "@/server/auth/email-verification";
import { requestPasswordReset, resetPassword } from "@/server/auth/password-reset";
import { passkeySignInOptionsInputSchema, authenticationOptionsOutSchema } from "@/lib/schemas/passkeys";
import { passkeySignInOptions } from "@/server/auth/passkey-sign-in";

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
  /** "Forgot your password?": the same answer whether or not the address has an account */
  requestPasswordReset: publicProcedure
    .input(requestPasswordResetInputSchema)
    .output(requestPasswordResetResultSchema)
    .mutation(({ ctx, input }) => requestPasswordReset(input.email, { clientIp: ctx.clientIp, userAgent: ctx.userAgent, requestId: ctx.requestId })),
  /** a new password from a reset link; every session of the account ends */
  resetPassword: publicProcedure
    .input(resetPasswordInputSchema)
    .output(resetPasswordResultSchema)
    .mutation(({ ctx, input }) =>
      resetPassword(input.token, input.newPassword, { clientIp: ctx.clientIp, userAgent: ctx.userAgent, requestId: ctx.requestId }),
    ),
  /**
   * "Use a passkey" at sign-in's code step: the options for navigator.credentials.get(), only once the email and
   * password are right (checked through the sign-in throttle; a wrong pair is the sign-in's own "wrong email or
   * password", whether or not the email has an account)
   */
  passkeySignInOptions: publicProcedure
    .input(passkeySignInOptionsInputSchema)
    .output(authenticationOptionsOutSchema)
    .mutation(({ ctx, input }) =>
      passkeySignInOptions(input, {
        clientAddress: ctx.clientAddress ?? ctx.clientIp,
        userAgent: ctx.userAgent,
        requestId: ctx.requestId,
        siteOrigin: ctx.origin,
      }),
    ),
  /** the sign-in page's routing by email domain: the organisation's SSO for this address, and whether it is forced */
  ssoFor: publicProcedure
    .input(ssoForInputSchema)
    .output(ssoForResultSchema)
    .query(({ ctx, input }) => ssoForEmail(input.email, ctx.clientAddress ?? ctx.clientIp)),
  verifyEmail: authedProcedure
    .input(verifyEmailInputSchema)
    .output(verifyEmailResultSchema)
    .mutation(({ ctx, input }) => verifyEmailToken(input.token, ctx.user.id)),
});
