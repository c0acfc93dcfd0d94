import {
  agentByRefInputSchema,
  agentRefSchema,
  restoreVersionInputSchema,
  agentDiffInputSchema,
  agentVersionsInputSchema,
  createAgentInputSchema,
  listAgentsInputSchema,
  updateAgentWithRefInputSchema,
  agentDiffSchema,
  agentSchema,
  agentVersionSchema,
} from "@/lib/schemas/agents";
import { pageOf } from "@/lib/schemas/common";
import { router, workspaceProcedure } from "../trpc";
import { agentMcpInputSchema } from "@/lib/schemas/mcp-endpoint";
import { setAgentMcp } from "@/server/mcp-endpoint/exposure";
import { setPromotionRuleInputSchema } from "@/lib/schemas/promotion";
import { setAgentPromotionRule } from "@/server/quality/evaluations/promotion";
import {
  archiveAgent,
  createAgent,
  diffAgentVersions,
  getAgent,
  listAgents,
  listAgentVersions,
  restoreAgentVersion,
  updateAgent,
} from "@/server/agents/service";

export const agentsRouter = router({
  /** one page, newest first (keyset cursor) */
  list: workspaceProcedure("agents:read")
    .input(listAgentsInputSchema.optional())
    .output(pageOf(agentSchema))
    .query(({ ctx, input }) => listAgents(ctx.tenant, input ?? {})),
  get: workspaceProcedure("agents:read")
    .input(agentByRefInputSchema)
    .output(agentSchema)
    .query(({ ctx, input }) => getAgent(ctx.tenant, input.agent)),
  /** one page of the versions, newest first */
  versions: workspaceProcedure("agents:read")
    .input(agentVersionsInputSchema)
    .output(pageOf(agentVersionSchema))
    .query(({ ctx, input: { agent, ...page } }) => listAgentVersions(ctx.tenant, agent, page)),
  diff: workspaceProcedure("agents:read")
    .input(agentDiffInputSchema)
    .output(agentDiffSchema)
    .query(({ ctx, input }) => diffAgentVersions(ctx.tenant, input.agent, input.from, input.to)),
  create: workspaceProcedure("agents:create")
    .input(createAgentInputSchema)
    .output(agentSchema)
    .mutation(({ ctx, input }) => createAgent(ctx.tenant, input)),
  /** a new version (an update identical to the current version writes nothing) */
  update: workspaceProcedure("agents:update")
    .input(updateAgentWithRefInputSchema)
    .output(agentSchema)
    .mutation(({ ctx, input: { agent, ...patch } }) => updateAgent(ctx.tenant, agent, patch)),
  /** eval-gated promotion: new versions are candidates until their evaluation passes (null: current at once) */
  setPromotion: workspaceProcedure("agents:update")
    .input(setPromotionRuleInputSchema.extend({ agent: agentRefSchema }))
    .output(agentSchema)
    .mutation(({ ctx, input }) => setAgentPromotionRule(ctx.tenant, input.agent, input.rule)),
  /** an earlier released version made current again, as a new version */
  restore: workspaceProcedure("agents:update")
    .input(restoreVersionInputSchema.extend({ agent: agentRefSchema }))
    .output(agentSchema)
    .mutation(({ ctx, input: { agent, ...input } }) => restoreAgentVersion(ctx.tenant, agent, input)),
  /** offer it (and its instructions) at the workspace's hosted MCP endpoint */
  setMcp: workspaceProcedure("agents:update")
    .input(agentMcpInputSchema.extend({ agent: agentRefSchema }))
    .output(agentSchema)
    .mutation(({ ctx, input: { agent, ...patch } }) => setAgentMcp(ctx.tenant, agent, patch)),
  archive: workspaceProcedure("agents:delete")
    .input(agentByRefInputSchema)
    .output(agentSchema)
    .mutation(({ ctx, input }) => archiveAgent(ctx.tenant, input.agent)),
});
