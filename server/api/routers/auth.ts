import { sessionUserSchema, signUpInputSchema } from "@/lib/schemas/auth";
import { authEventPageSchema, listAuthEventsInputSchema } from "@/lib/schemas/audit";
import { authedProcedure, publicProcedure, router } from "../trpc";
import { signUp } from "@/server/users/service";
import { listMyAuthEvents } from "@/server/audit/auth-events";

export const authRouter = router({
  signUp: publicProcedure
    .input(signUpInputSchema)
    .output(sessionUserSchema)
    .mutation(({ ctx, input }) => signUp(input, { ip: ctx.clientIp, userAgent: ctx.userAgent, requestId: ctx.requestId })),
  me: authedProcedure.output(sessionUserSchema).query(({ ctx }) => ctx.user),
  /** the signed-in person's own sign-ins, failures, sign-up and other authentication events, newest first */
  events: authedProcedure.input(listAuthEventsInputSchema).output(authEventPageSchema).query(({ ctx, input }) => listMyAuthEvents(ctx.user.id, input)),
});
