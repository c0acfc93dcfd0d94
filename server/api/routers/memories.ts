import { deletedSchema, pageOf } from "@/lib/schemas/common";
import {
  createMemoryInputSchema,
  listMemoriesInputSchema,
  memoryByIdInputSchema,
  memorySchema,
  recallInputSchema,
  recallResultSchema,
  updateMemoryWithIdInputSchema,
} from "@/lib/schemas/memory";
import { router, workspaceProcedure } from "../trpc";
import { deleteMemory, getMemory, listMemories, remember, updateMemory } from "@/server/memory/service";
import { recall } from "@/server/memory/recall";

/** The workspace's memories (issue 14, first slice): remember, browse, change, delete, and hybrid recall. */
export const memoriesRouter = router({
  /** one page, newest first, optionally of one scope and kind */
  list: workspaceProcedure("memory:read")
    .input(listMemoriesInputSchema)
    .output(pageOf(memorySchema))
    .query(({ ctx, input }) => listMemories(ctx.tenant, input)),
  get: workspaceProcedure("memory:read")
    .input(memoryByIdInputSchema)
    .output(memorySchema)
    .query(({ ctx, input }) => getMemory(ctx.tenant, input.memoryId)),
  /** remember: embedded through the gateway (costed), audited */
  create: workspaceProcedure("memory:write")
    .input(createMemoryInputSchema)
    .output(memorySchema)
    .mutation(({ ctx, input }) => remember(ctx.tenant, input)),
  /** content (re-embedded), importance, pinned */
  update: workspaceProcedure("memory:write")
    .input(updateMemoryWithIdInputSchema)
    .output(memorySchema)
    .mutation(({ ctx, input: { memoryId, ...patch } }) => updateMemory(ctx.tenant, memoryId, patch)),
  delete: workspaceProcedure("memory:delete")
    .input(memoryByIdInputSchema)
    .output(deletedSchema)
    .mutation(({ ctx, input }) => deleteMemory(ctx.tenant, input.memoryId)),
  /** hybrid recall over the given scopes, each result with why it ranked */
  recall: workspaceProcedure("memory:read")
    .input(recallInputSchema)
    .output(recallResultSchema)
    .mutation(({ ctx, input }) => recall(ctx.tenant, input)),
});
