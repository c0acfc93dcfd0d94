import { z } from "zod";
import { deletedSchema } from "@/lib/schemas/common";
import {
  createToolInputSchema,
  testToolWithRefInputSchema,
  toolByRefInputSchema,
  toolSchema,
  toolTestResultSchema,
  updateToolWithRefInputSchema,
} from "@/lib/schemas/tools";
import { router, workspaceProcedure } from "../trpc";
import { createTool, deleteTool, getTool, listTools, updateTool } from "@/server/tools/service";
import { testTool } from "@/server/tools/test-call";

/** The workspace's tool registry (built-ins, custom HTTP tools, MCP tools), each with the agents granted it. */
export const toolsRouter = router({
  /** every tool: the built-ins, then custom tools, then MCP tools (the registry is small: no pages) */
  list: workspaceProcedure("tools:read")
    .output(z.array(toolSchema))
    .query(({ ctx }) => listTools(ctx.tenant)),
  get: workspaceProcedure("tools:read")
    .input(toolByRefInputSchema)
    .output(toolSchema)
    .query(({ ctx, input }) => getTool(ctx.tenant, input.tool)),
  /** a custom HTTP tool */
  create: workspaceProcedure("tools:create")
    .input(createToolInputSchema)
    .output(toolSchema)
    .mutation(({ ctx, input }) => createTool(ctx.tenant, input)),
  /** a built-in or MCP tool: only enabled, the limits and the approval policy */
  update: workspaceProcedure("tools:update")
    .input(updateToolWithRefInputSchema)
    .output(toolSchema)
    .mutation(({ ctx, input: { tool, ...patch } }) => updateTool(ctx.tenant, tool, patch)),
  /** a built-in: back to its defaults; CONFLICT while current agent versions grant a custom or MCP tool */
  delete: workspaceProcedure("tools:delete")
    .input(toolByRefInputSchema)
    .output(deletedSchema)
    .mutation(({ ctx, input }) => deleteTool(ctx.tenant, input.tool)),
  /** one real call by a person (no approval, no rate count): tools:update, since it has effects */
  test: workspaceProcedure("tools:update")
    .input(testToolWithRefInputSchema)
    .output(toolTestResultSchema)
    .mutation(({ ctx, input }) => testTool(ctx.tenant, input.tool, input.input)),
});
