import { deletedSchema, pageOf } from "@/lib/schemas/common";
import {
  createTriggerInputSchema,
  listTriggersInputSchema,
  triggerByIdInputSchema,
  triggerSchema,
  triggerWithSecretSchema,
  updateTriggerWithIdInputSchema,
} from "@/lib/schemas/triggers";
import { router, workspaceProcedure } from "../trpc";
import { createTrigger, deleteTrigger, getTrigger, listTriggers, rotateTriggerSecret, updateTrigger } from "@/server/triggers/service";

/** Incoming webhook triggers (issue 15): each starts runs of an agent or a team from signed deliveries. */
export const triggersRouter = router({
  list: workspaceProcedure("triggers:read")
    .input(listTriggersInputSchema)
    .output(pageOf(triggerSchema))
    .query(({ ctx, input }) => listTriggers(ctx.tenant, input)),
  get: workspaceProcedure("triggers:read")
    .input(triggerByIdInputSchema)
    .output(triggerSchema)
    .query(({ ctx, input }) => getTrigger(ctx.tenant, input.triggerId)),
  /** the signing secret is in the answer, this once */
  create: workspaceProcedure("triggers:manage")
    .input(createTriggerInputSchema)
    .output(triggerWithSecretSchema)
    .mutation(({ ctx, input }) => createTrigger(ctx.tenant, input)),
  update: workspaceProcedure("triggers:manage")
    .input(updateTriggerWithIdInputSchema)
    .output(triggerSchema)
    .mutation(({ ctx, input: { triggerId, ...patch } }) => updateTrigger(ctx.tenant, triggerId, patch)),
  rotateSecret: workspaceProcedure("triggers:manage")
    .input(triggerByIdInputSchema)
    .output(triggerWithSecretSchema)
    .mutation(({ ctx, input }) => rotateTriggerSecret(ctx.tenant, input.triggerId)),
  delete: workspaceProcedure("triggers:manage")
    .input(triggerByIdInputSchema)
    .output(deletedSchema)
    .mutation(({ ctx, input }) => deleteTrigger(ctx.tenant, input.triggerId)),
});
