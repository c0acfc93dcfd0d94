import { createCallerFactory, router } from "./trpc";
import { authRouter } from "./routers/auth";
import { accountRouter } from "./routers/account";
import { workspacesRouter } from "./routers/workspaces";
import { piiRouter } from "./routers/pii";
import { membersRouter } from "./routers/members";
import { orgsRouter } from "./routers/orgs";
import { invitationsRouter } from "./routers/invitations";
import { apiKeysRouter } from "./routers/api-keys";
import { mcpConnectionsRouter } from "./routers/mcp-connections";
import { mcpOAuthRouter } from "./routers/mcp-oauth";
import { auditRouter } from "./routers/audit";
import { secretsRouter } from "./routers/secrets";
import { usageRouter } from "./routers/usage";
import { budgetsRouter } from "./routers/budgets";
import { providersRouter } from "./routers/providers";
import { modelsRouter } from "./routers/models";
import { routingRouter } from "./routers/routing";
import { agentsRouter } from "./routers/agents";
import { judgesRouter } from "./routers/judges";
import { labelsRouter } from "./routers/labels";
import { datasetsRouter } from "./routers/datasets";
import { evaluationsRouter } from "./routers/evaluations";
import { teamsRouter } from "./routers/teams";
import { runsRouter } from "./routers/runs";
import { overviewRouter } from "./routers/overview";
import { approvalsRouter } from "./routers/approvals";
import { toolsRouter } from "./routers/tools";
import { mcpServersRouter } from "./routers/mcp-servers";
import { memoriesRouter } from "./routers/memories";
import { sessionsRouter } from "./routers/sessions";
import { webhooksRouter } from "./routers/webhooks";
import { memoryDocumentsRouter } from "./routers/memory-documents";
import { memoryModelsRouter } from "./routers/memory-models";
import { triggersRouter } from "./routers/triggers";
import { schedulesRouter } from "./routers/schedules";
import { marketplaceInstallsRouter } from "./routers/marketplace-installs";
import { marketplaceRouter } from "./routers/marketplace";
import { orgTokensRouter } from "./routers/org-tokens";
import { orgSsoRouter } from "./routers/org-sso";

export const appRouter = router({
  auth: authRouter,
  account: accountRouter,
  workspaces: workspacesRouter,
  pii: piiRouter,
  members: membersRouter,
  orgs: orgsRouter,
  invitations: invitationsRouter,
  apiKeys: apiKeysRouter,
  mcpConnections: mcpConnectionsRouter,
  mcpOAuth: mcpOAuthRouter,
  audit: auditRouter,
  secrets: secretsRouter,
  usage: usageRouter,
  budgets: budgetsRouter,
  providers: providersRouter,
  models: modelsRouter,
  routing: routingRouter,
  agents: agentsRouter,
  judges: judgesRouter,
  labels: labelsRouter,
  datasets: datasetsRouter,
  evaluations: evaluationsRouter,
  teams: teamsRouter,
  runs: runsRouter,
  overview: overviewRouter,
  approvals: approvalsRouter,
  tools: toolsRouter,
  mcpServers: mcpServersRouter,
  memories: memoriesRouter,
  sessions: sessionsRouter,
  webhooks: webhooksRouter,
  memoryDocuments: memoryDocumentsRouter,
  memoryModels: memoryModelsRouter,
  triggers: triggersRouter,
  schedules: schedulesRouter,
  marketplaceInstalls: marketplaceInstallsRouter,
  marketplace: marketplaceRouter,
  orgTokens: orgTokensRouter,
  orgSso: orgSsoRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
