import { createCallerFactory, router } from "./trpc";
import { authRouter } from "./routers/auth";
import { workspacesRouter } from "./routers/workspaces";
import { membersRouter } from "./routers/members";
import { invitationsRouter } from "./routers/invitations";
import { apiKeysRouter } from "./routers/api-keys";
import { auditRouter } from "./routers/audit";

export const appRouter = router({
  auth: authRouter,
  workspaces: workspacesRouter,
  members: membersRouter,
  invitations: invitationsRouter,
  apiKeys: apiKeysRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
