import { createCallerFactory, router } from "./trpc";
import { authRouter } from "./routers/auth";
import { accountRouter } from "./routers/account";
import { workspacesRouter } from "./routers/workspaces";
import { membersRouter } from "./routers/members";
import { invitationsRouter } from "./routers/invitations";
import { apiKeysRouter } from "./routers/api-keys";
import { auditRouter } from "./routers/audit";
import { secretsRouter } from "./routers/secrets";
import { usageRouter } from "./routers/usage";
import { budgetsRouter } from "./routers/budgets";
import { providersRouter } from "./routers/providers";
import { modelsRouter } from "./routers/models";
import { routingRouter } from "./routers/routing";
import { agentsRouter } from "./routers/agents";
import { teamsRouter } from "./routers/teams";
import { runsRouter } from "./routers/runs";
import { overviewRouter } from "./routers/overview";
import { approvalsRouter } from "./routers/approvals";
import { toolsRouter } from "./routers/tools";
import { mcpServersRouter } from "./routers/mcp-servers";
import { memoriesRouter } from "./routers/memories";

export const appRouter = router({
  auth: authRouter,
  account: accountRouter,
  workspaces: workspacesRouter,
  members: membersRouter,
  invitations: invitationsRouter,
  apiKeys: apiKeysRouter,
  audit: auditRouter,
  secrets: secretsRouter,
  usage: usageRouter,
  budgets: budgetsRouter,
  providers: providersRouter,
  models: modelsRouter,
  routing: routingRouter,
  agents: agentsRouter,
  teams: teamsRouter,
  runs: runsRouter,
  overview: overviewRouter,
  approvals: approvalsRouter,
  tools: toolsRouter,
  mcpServers: mcpServersRouter,
  memories: memoriesRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
