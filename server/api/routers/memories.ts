import { deletedSchema, pageOf } from "@/lib/schemas/common";
import {
  memorySettingsInputSchema,
  memorySettingsSchema,
  memorySubjectInputSchema,
  subjectErasureSchema,
  subjectExportSchema,
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
import { eraseSubject, exportSubject, getMemorySettings, updateMemorySettings } from "@/server/memory/governance";

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
  /** retention (TTL per scope), importance decay and the cap, with the server's limits and the current counts */
  settings: workspaceProcedure("memory:read")
    .output(memorySettingsSchema)
    .query(({ ctx }) => getMemorySettings(ctx.tenant)),
  /** replaces the settings (owners and admins); audited */
  updateSettings: workspaceProcedure("settings:update")
    .input(memorySettingsInputSchema)
    .output(memorySettingsSchema)
    .mutation(({ ctx, input }) => updateMemorySettings(ctx.tenant, input)),
  /** erases every memory of scope subject:<subject> (pinned too) and says what it removed; audited */
  eraseSubject: workspaceProcedure("memory:delete")
    .input(memorySubjectInputSchema)
    .output(subjectErasureSchema)
    .mutation(({ ctx, input }) => eraseSubject(ctx.tenant, input.subject)),
  /** a subject's memories as one JSON document */
  exportSubject: workspaceProcedure("memory:read")
    .input(memorySubjectInputSchema)
    .output(subjectExportSchema)
    .query(({ ctx, input }) => exportSubject(ctx.tenant, input.subject)),
});
