/** The account's second-factor settings behind tRPC account.mfa.* (the factor itself: server/auth/mfa.ts). */
import type { z } from "zod";
import { AppError, isAppError } from "@/lib/errors";
import type { mfaDisableInputSchema } from "@/lib/schemas/mfa";
import { checkPassword } from "@/server/auth/credentials";
import { recordFailure } from "@/server/auth/login-throttle";
import { hasActiveFactor, removeMfa, verifySecondFactor, type MfaMeta } from "@/server/auth/mfa";

/** Disables the factor after the current password or a valid code (on top of the step-up of the procedure). */
export async function disableMfa(user: { id: string; email: string }, input: z.infer<typeof mfaDisableInputSchema>, meta: MfaMeta = {}) {
  if (!(await hasActiveFactor(user.id))) return removeMfa(user, meta);
  if ("password" in input) {
    try {
      await checkPassword(user.email, input.password, meta.clientIp, meta);
    } catch (error) {
      if (isAppError(error) && error.code === "UNAUTHORIZED") {
        throw new AppError("VALIDATION_FAILED", "This password is not right", { issues: [{ path: "password", message: "This password is not right" }] });
      }
      throw error;
    }
  } else if (!(await verifySecondFactor(user.id, input.code, { ...meta, context: "disable" }))) {
    await recordFailure("email", user.email.toLowerCase(), new Date(), user.email);
    throw new AppError("VALIDATION_FAILED", "This code is not right", { issues: [{ path: "code", message: "This code is not right" }] });
  }
  return removeMfa(user, meta);
}
