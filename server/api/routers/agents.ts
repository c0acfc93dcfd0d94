import {
  agentByRefInputSchema,
  agentDiffInputSchema,
  agentVersionsInputSchema,
  createAgentInputSchema,
  listAgentsInputSchema,
  updateAgentWithRefInputSchema,
  agentDiffSchema,
  agentSchema,
  agentVersionSchema,
} from "@/lib/schemas/agents";
import { z } from "zod";
import { router, workspaceProcedure } from "../trpc";
import { archiveAgent, createAgent, diffAgentVersions, getAgent, listAgents, listAgentVersions, updateAgent } from "@/server/agents/service";

export const agentsRouter = router({
  list: workspaceProcedure("agents:read").input(listAgentsInputSchema.optional()).output(z.array(agentSchema)).query(({ ctx, input }) => listAgents(ctx.tenant, input ?? {})),
  get: workspaceProcedure("agents:read").input(agentByRefInputSchema).output(agentSchema).query(({ ctx, input }) => getAgent(ctx.tenant, input.agent)),
  /** every version, newest first */
  versions: workspaceProcedure("agents:read").input(agentVersionsInputSchema).output(z.array(agentVersionSchema)).query(({ ctx, input }) => listAgentVersions(ctx.tenant, input.agent)),
  diff: workspaceProcedure("agents:read").input(agentDiffInputSchema).output(agentDiffSchema).query(({ ctx, input }) => diffAgentVersions(ctx.tenant, input.agent, input.from, input.to)),
  create: workspaceProcedure("agents:create").input(createAgentInputSchema).output(agentSchema).mutation(({ ctx, input }) => createAgent(ctx.tenant, input)),
  /** a new version (an update identical to the current version writes nothing) */
  update: workspaceProcedure("agents:update")
    .input(updateAgentWithRefInputSchema)
    .output(agentSchema)
    .mutation(({ ctx, input: { agent, ...patch } }) => updateAgent(ctx.tenant, agent, patch)),
  archive: workspaceProcedure("agents:delete").input(agentByRefInputSchema).output(agentSchema).mutation(({ ctx, input }) => archiveAgent(ctx.tenant, input.agent)),
});
