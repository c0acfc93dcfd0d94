import { deletedSchema, pageOf } from "@/lib/schemas/common";
import {
  createSessionInputSchema,
  listSessionsInputSchema,
  sendMessageWithIdInputSchema,
  sentMessageSchema,
  sessionByIdInputSchema,
  sessionMessageSchema,
  sessionMessagesInputSchema,
  sessionSchema,
} from "@/lib/schemas/sessions";
import { router, workspaceProcedure } from "../trpc";
import { createSession, deleteSession, getSession, listSessionMessages, listSessions, sendMessage } from "@/server/sessions/service";

/** Sessions (issue 14): conversations with an agent or a team, one run per message. */
export const sessionsRouter = router({
  list: workspaceProcedure("runs:read")
    .input(listSessionsInputSchema)
    .output(pageOf(sessionSchema))
    .query(({ ctx, input }) => listSessions(ctx.tenant, input)),
  get: workspaceProcedure("runs:read")
    .input(sessionByIdInputSchema)
    .output(sessionSchema)
    .query(({ ctx, input }) => getSession(ctx.tenant, input.sessionId)),
  create: workspaceProcedure("runs:create")
    .input(createSessionInputSchema)
    .output(sessionSchema)
    .mutation(({ ctx, input }) => createSession(ctx.tenant, input)),
  /** the history, oldest first */
  messages: workspaceProcedure("runs:read")
    .input(sessionMessagesInputSchema)
    .output(pageOf(sessionMessageSchema))
    .query(({ ctx, input }) => listSessionMessages(ctx.tenant, input)),
  /** sends a message and returns at once (the web app follows the run's events); 409 while another is answered */
  send: workspaceProcedure("runs:create")
    .input(sendMessageWithIdInputSchema)
    .output(sentMessageSchema)
    .mutation(({ ctx, input: { sessionId, ...message } }) => sendMessage(ctx.tenant, sessionId, message, { watched: true })),
  delete: workspaceProcedure("memory:delete")
    .input(sessionByIdInputSchema)
    .output(deletedSchema)
    .mutation(({ ctx, input }) => deleteSession(ctx.tenant, input.sessionId)),
});
