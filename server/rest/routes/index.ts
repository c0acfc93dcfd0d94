import type { AnyRestRoute } from "../define";
import {
  addProviderModelsRoute,
  connectProviderRoute,
  createProviderRoute,
  deleteProviderRoute,
  getProviderRoute,
  listProviderModelsRoute,
  listProvidersRoute,
  testProviderRoute,
  updateProviderRoute,
} from "./providers";
import { createModelRoute, deleteModelRoute, getModelRoute, listModelsRoute, updateModelRoute } from "./models";
import { createRoutingPresetRoute, deleteRoutingPresetRoute, explainRouteRoute, listRoutingPresetsRoute, updateRoutingPresetRoute } from "./routing";
import { getMe } from "./me";
import { changeMemberRoleRoute, listMembersRoute, removeMemberRoute } from "./members";
import { createInvitationRoute, listInvitationsRoute, revokeInvitationRoute } from "./invitations";
import { createApiKeyRoute, listApiKeysRoute, revokeApiKeyRoute } from "./api-keys";
import { exportAuditRoute, listAuditRoute } from "./audit";
import { deleteWorkspaceRoute, getRetentionRoute, getWorkspaceRoute, updateRetentionRoute, updateWorkspaceRoute } from "./workspace";
import { createSecretRoute, deleteSecretRoute, listSecretsRoute, updateSecretRoute } from "./secrets";
import { getBudgetRoute, listUsageRoute, updateBudgetRoute, usageTotalsRoute } from "./usage";
import { archiveAgentRoute, createAgentRoute, getAgentRoute, listAgentsRoute, listAgentVersionsRoute, updateAgentRoute } from "./agents";
import { archiveTeamRoute, createTeamRoute, getTeamRoute, listTeamsRoute, listTeamVersionsRoute, teamEstimateRoute, updateTeamRoute } from "./teams";
import { webAuditExportRoute, webRunEventsRoute } from "./web";
import { getOverviewRoute } from "./overview";
import { createFromTemplateRoute, exportTeamRoute, importTeamRoute, listTeamTemplatesRoute } from "./team-bundles";
import { getEgressListsRoute, updateEgressListsRoute } from "./egress";
import { decideApprovalRoute, getApprovalRoute, listApprovalsRoute } from "./approvals";
import { createToolRoute, deleteToolRoute, getToolRoute, listToolsRoute, testToolRoute, updateToolRoute } from "./tools";
import {
  createMcpServerRoute,
  deleteMcpServerRoute,
  getMcpServerRoute,
  listMcpServersRoute,
  reviewMcpToolRoute,
  syncMcpServerRoute,
  authorizeMcpServerRoute,
  disconnectMcpServerRoute,
  webMcpOAuthCallbackRoute,
  updateMcpServerRoute,
} from "./mcp-servers";
import { createMemoryRoute, deleteMemoryRoute, getMemoryRoute, listMemoriesRoute, recallMemoriesRoute, updateMemoryRoute } from "./memories";
import {
  cancelRunRoute,
  rerunRunRoute,
  getRunRoute,
  getRunStepRoute,
  listRunEventsRoute,
  listRunStepCallsRoute,
  listRunsRoute,
  listRunStepsRoute,
  startRunRoute,
} from "./runs";

/**
 * Every API-key route (JSON and event streams), for the OpenAPI document and the permission table test. Every
 * `route.ts` export under app/api is built from a definition here or in `webRoutes` (test/route-files.test.ts).
 */
export const restRoutes: AnyRestRoute[] = [
  getMe,
  getWorkspaceRoute,
  getOverviewRoute,
  updateWorkspaceRoute,
  deleteWorkspaceRoute,
  getRetentionRoute,
  updateRetentionRoute,
  listMembersRoute,
  changeMemberRoleRoute,
  removeMemberRoute,
  listInvitationsRoute,
  createInvitationRoute,
  revokeInvitationRoute,
  listApiKeysRoute,
  createApiKeyRoute,
  revokeApiKeyRoute,
  listAuditRoute,
  exportAuditRoute,
  listSecretsRoute,
  createSecretRoute,
  updateSecretRoute,
  deleteSecretRoute,
  listUsageRoute,
  usageTotalsRoute,
  getBudgetRoute,
  updateBudgetRoute,
  listProvidersRoute,
  createProviderRoute,
  getProviderRoute,
  updateProviderRoute,
  deleteProviderRoute,
  testProviderRoute,
  listProviderModelsRoute,
  addProviderModelsRoute,
  connectProviderRoute,
  listModelsRoute,
  createModelRoute,
  getModelRoute,
  updateModelRoute,
  deleteModelRoute,
  explainRouteRoute,
  listRoutingPresetsRoute,
  createRoutingPresetRoute,
  updateRoutingPresetRoute,
  deleteRoutingPresetRoute,
  listAgentsRoute,
  createAgentRoute,
  getAgentRoute,
  updateAgentRoute,
  archiveAgentRoute,
  listAgentVersionsRoute,
  listTeamsRoute,
  createTeamRoute,
  getTeamRoute,
  updateTeamRoute,
  archiveTeamRoute,
  listTeamVersionsRoute,
  teamEstimateRoute,
  exportTeamRoute,
  importTeamRoute,
  listTeamTemplatesRoute,
  createFromTemplateRoute,
  listRunsRoute,
  startRunRoute,
  getRunRoute,
  listRunStepsRoute,
  getRunStepRoute,
  listRunStepCallsRoute,
  cancelRunRoute,
  rerunRunRoute,
  listRunEventsRoute,
  getEgressListsRoute,
  updateEgressListsRoute,
  listApprovalsRoute,
  getApprovalRoute,
  decideApprovalRoute,
  listToolsRoute,
  createToolRoute,
  getToolRoute,
  updateToolRoute,
  deleteToolRoute,
  listMcpServersRoute,
  createMcpServerRoute,
  getMcpServerRoute,
  updateMcpServerRoute,
  deleteMcpServerRoute,
  syncMcpServerRoute,
  authorizeMcpServerRoute,
  disconnectMcpServerRoute,
  reviewMcpToolRoute,
  testToolRoute,
  listMemoriesRoute,
  createMemoryRoute,
  recallMemoriesRoute,
  getMemoryRoute,
  updateMemoryRoute,
  deleteMemoryRoute,
];

/** The web app's session-authenticated endpoints outside tRPC (not in the OpenAPI document). */
export const webRoutes: AnyRestRoute[] = [webRunEventsRoute, webAuditExportRoute, webMcpOAuthCallbackRoute];
