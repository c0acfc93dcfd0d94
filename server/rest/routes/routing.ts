import { z } from "zod";
import { defineRoute } from "../define";
import { createRoutingPresetInputSchema, explainRouteInputSchema, routeDecisionSchema, routingPresetNameSchema, routingPresetSchema } from "@/lib/schemas/routing";
import { createRoutingPreset, deleteRoutingPreset, explainRoute, listRoutingPresets } from "@/server/models/routing";

export const explainRouteRoute = defineRoute({
  method: "POST", path: "/api/v1/models/route", tag: "Models",
  summary: "Route a model policy without calling any model: the chosen model, its fallbacks and why each candidate was (not) chosen",
  requires: "models:read", body: explainRouteInputSchema, response: routeDecisionSchema,
  handler: ({ ctx, body }) => explainRoute(ctx, body),
});

export const listRoutingPresetsRoute = defineRoute({
  method: "GET", path: "/api/v1/routing/presets", tag: "Models",
  summary: "The workspace's routing presets (what a policy `{ type: \"preset\", preset }` means here)",
  requires: "models:read", response: z.object({ data: z.array(routingPresetSchema) }),
  handler: async ({ ctx }) => ({ data: await listRoutingPresets(ctx) }),
});

export const createRoutingPresetRoute = defineRoute({
  method: "POST", path: "/api/v1/routing/presets", tag: "Models",
  summary: "Add a routing preset (409 when the name is taken)",
  requires: "models:manage", body: createRoutingPresetInputSchema, status: 201, response: routingPresetSchema,
  handler: ({ ctx, body }) => createRoutingPreset(ctx, body),
});

export const deleteRoutingPresetRoute = defineRoute({
  method: "DELETE", path: "/api/v1/routing/presets/{name}", tag: "Models",
  summary: "Delete a routing preset (409 naming the agents and queued/running runs that still use it; balanced, the default policy, stays)",
  requires: "models:manage", params: z.object({ name: routingPresetNameSchema }), response: z.object({ deleted: z.literal(true) }),
  handler: ({ ctx, params }) => deleteRoutingPreset(ctx, { name: params.name }),
});
