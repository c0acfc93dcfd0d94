import {
  createRoutingPresetInputSchema,
  deleteRoutingPresetInputSchema,
  explainRouteInputSchema,
  tryRouteInputSchema,
  updateRoutingPresetInputSchema,
  routeDecisionSchema,
  routingPresetSchema,
  tryRouteResultSchema,
} from "@/lib/schemas/routing";
import { z } from "zod";
import { deletedSchema } from "@/lib/schemas/common";
import { router, workspaceProcedure } from "../trpc";
import { createRoutingPreset, deleteRoutingPreset, explainRoute, listRoutingPresets, updateRoutingPreset } from "@/server/models/routing";
import { tryRoute } from "@/server/models/gateway";

export const routingRouter = router({
  presets: router({
    list: workspaceProcedure("models:read")
      .output(z.array(routingPresetSchema))
      .query(({ ctx }) => listRoutingPresets(ctx.tenant)),
    create: workspaceProcedure("models:manage")
      .input(createRoutingPresetInputSchema)
      .output(routingPresetSchema)
      .mutation(({ ctx, input }) => createRoutingPreset(ctx.tenant, input)),
    update: workspaceProcedure("models:manage")
      .input(updateRoutingPresetInputSchema)
      .output(routingPresetSchema)
      .mutation(({ ctx, input }) => updateRoutingPreset(ctx.tenant, input)),
    /** CONFLICT while an agent's current version or a queued/running run uses it */
    delete: workspaceProcedure("models:manage")
      .input(deleteRoutingPresetInputSchema)
      .output(deletedSchema)
      .mutation(({ ctx, input }) => deleteRoutingPreset(ctx.tenant, input)),
  }),
  /** Routes a policy without calling any model: the decision, every candidate and why it was (not) chosen. */
  explain: workspaceProcedure("models:read")
    .input(explainRouteInputSchema)
    .output(routeDecisionSchema)
    .query(({ ctx, input }) => explainRoute(ctx.tenant, input)),
  /** Routes a policy and makes the call for real (it is billed and recorded like any other call). */
  try: workspaceProcedure("models:manage")
    .input(tryRouteInputSchema)
    .output(tryRouteResultSchema)
    .mutation(({ ctx, input }) => tryRoute(ctx.tenant, input)),
});
