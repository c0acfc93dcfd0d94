import { pageOf } from "@/lib/schemas/common";
import {
  listMemoryModelsInputSchema,
  listMemoryReembedsInputSchema,
  memoryModelSettingSchema,
  memoryReembedByIdInputSchema,
  memoryReembedSchema,
  setMemoryModelInputSchema,
  setMemoryModelResultSchema,
} from "@/lib/schemas/memory-models";
import { router, workspaceProcedure } from "../trpc";
import { getMemoryReembed, listMemoryModels, listMemoryReembeds } from "@/server/memory/reembed";
import { submitMemoryModelChange } from "@/server/jobs/memory-reembeds";

/** Which model embeds each memory scope (issue 14), and the re-embedding a change starts. */
export const memoryModelsRouter = router({
  /** the workspace's settings (default, per scope type, per scope), newest first */
  list: workspaceProcedure("memory:read")
    .input(listMemoryModelsInputSchema)
    .output(pageOf(memoryModelSettingSchema))
    .query(({ ctx, input }) => listMemoryModels(ctx.tenant, input)),
  /** sets (or with policy null removes) a target's policy; re-embeds its memories in the background; audited */
  set: workspaceProcedure("settings:update")
    .input(setMemoryModelInputSchema)
    .output(setMemoryModelResultSchema)
    .mutation(({ ctx, input }) => submitMemoryModelChange(ctx.tenant, input)),
  /** the re-embedding jobs, newest first, optionally of one target or status */
  reembeds: workspaceProcedure("memory:read")
    .input(listMemoryReembedsInputSchema)
    .output(pageOf(memoryReembedSchema))
    .query(({ ctx, input }) => listMemoryReembeds(ctx.tenant, input)),
  /** one re-embedding with its progress */
  reembed: workspaceProcedure("memory:read")
    .input(memoryReembedByIdInputSchema)
    .output(memoryReembedSchema)
    .query(({ ctx, input }) => getMemoryReembed(ctx.tenant, input.reembedId)),
});
