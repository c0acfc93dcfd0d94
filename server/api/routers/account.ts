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
import {
  changeEmailInputSchema,
  emailChangedOutSchema,
  mfaConfirmInputSchema,
  mfaDisableInputSchema,
  mfaEnrolmentOutSchema,
  mfaStatusOutSchema,
  recoveryCodesOutSchema,
  stepUpInputSchema,
  stepUpOutSchema,
} from "@/lib/schemas/mfa";
import { confirmMfaEnrolment, mfaStatus, regenerateRecoveryCodes, startMfaEnrolment } from "@/server/auth/mfa";
import { stepUp } from "@/server/auth/step-up";
import { disableMfa } from "@/server/users/mfa-settings";
import { changeEmailFromSession } from "@/server/users/email-change";
import type { TrpcContext } from "../trpc";
import {
  passkeyListOutSchema,
  passkeyOutSchema,
  registerPasskeyInputSchema,
  removePasskeyInputSchema,
  renamePasskeyInputSchema,
  registrationOptionsOutSchema,
  authenticationOptionsOutSchema,
} from "@/lib/schemas/passkeys";
import { listPasskeys, passkeyAuthenticationOptions, passkeyRegistrationOptions, registerPasskey, removePasskey, renamePasskey } from "@/server/auth/passkeys";

const metaOf = (ctx: TrpcContext) => ({ requestId: ctx.requestId, clientIp: ctx.clientAddress ?? ctx.clientIp, userAgent: ctx.userAgent });

/** The second factor (TOTP + recovery codes). Disabling and regenerating need a recent authentication (step-up). */
const mfaRouter = router({
  status: authedProcedure.output(mfaStatusOutSchema).query(({ ctx }) => mfaStatus(ctx.user.id)),
  /** a new secret awaiting its first code (shown once) */
  start: authedProcedure.output(mfaEnrolmentOutSchema).mutation(({ ctx }) => startMfaEnrolment(ctx.user)),
  /** activates it; the answer carries the recovery codes, shown once */
  confirm: authedProcedure
    .input(mfaConfirmInputSchema)
    .output(recoveryCodesOutSchema)
    .mutation(({ ctx, input }) => confirmMfaEnrolment(ctx.user, input.code, metaOf(ctx))),
  disable: authedProcedure
    .input(mfaDisableInputSchema)
    .output(z.object({ disabled: z.literal(true) }))
    .mutation(({ ctx, input }) => disableMfa(ctx.user, input, metaOf(ctx))),
  regenerateRecoveryCodes: authedProcedure.output(recoveryCodesOutSchema).mutation(({ ctx }) => regenerateRecoveryCodes(ctx.user, metaOf(ctx))),
});

/**
 * Passkeys (WebAuthn), each a second factor. Registering one and removing one need a recent authentication
 * (step-up): a stolen session must not add a factor of its own, nor take one away.
 */
const passkeysRouter = router({
  list: authedProcedure.output(passkeyListOutSchema).query(({ ctx }) => listPasskeys(ctx.user.id)),
  /** options for navigator.credentials.create() (a challenge issued to this person, single use) */
  registrationOptions: authedProcedure.output(registrationOptionsOutSchema).mutation(({ ctx }) => passkeyRegistrationOptions(ctx.user, ctx.origin)),
  register: authedProcedure
    .input(registerPasskeyInputSchema)
    .output(passkeyOutSchema)
    .mutation(({ ctx, input }) => registerPasskey(ctx.user, input, { ...metaOf(ctx), siteOrigin: ctx.origin })),
  rename: authedProcedure
    .input(renamePasskeyInputSchema)
    .output(passkeyOutSchema)
    .mutation(({ ctx, input }) => renamePasskey(ctx.user, input.id, input.name)),
  remove: authedProcedure
    .input(removePasskeyInputSchema)
    .output(z.object({ removed: z.literal(true) }))
    .mutation(({ ctx, input }) => removePasskey(ctx.user, input.id, metaOf(ctx))),
  /** options for navigator.credentials.get(), for a step-up with a passkey (account.stepUp { webauthn }) */
  authenticationOptions: authedProcedure.output(authenticationOptionsOutSchema).mutation(({ ctx }) => passkeyAuthenticationOptions(ctx.user.id, ctx.origin)),
});

/** The signed-in person's own account (no workspace). Changing the password or the email ends every session of the user. */
export const accountRouter = router({
  mfa: mfaRouter,
  passkeys: passkeysRouter,
  /** re-authenticates this session for sensitive actions (server/auth/step-up.ts) */
  stepUp: authedProcedure
    .input(stepUpInputSchema)
    .output(stepUpOutSchema)
    .mutation(({ ctx, input }) => stepUp(ctx.user, input, { ...metaOf(ctx), siteOrigin: ctx.origin })),
  changeEmail: authedProcedure
    .input(changeEmailInputSchema)
    .output(emailChangedOutSchema)
    .mutation(({ ctx, input }) => changeEmailFromSession(ctx.user, input, metaOf(ctx))),
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
