import { z } from "zod";
import { defineRoute } from "../define";
import {
  createRoutingPresetInputSchema,
  explainRouteInputSchema,
  routeDecisionSchema,
  routingPresetNameSchema,
  routingPresetSchema,
  updateRoutingPresetInputSchema,
} from "@/lib/schemas/routing";
import { createRoutingPreset, deleteRoutingPreset, explainRoute, listRoutingPresets, updateRoutingPreset } from "@/server/models/routing";

export const explainRouteRoute = defineRoute({
  method: "POST",
  path: "/api/v1/models/route",
  tag: "Models",
  summary: "Route a model policy without calling any model: the chosen model, its fallbacks and why each candidate was (not) chosen",
  requires: "models:read",
  body: explainRouteInputSchema,
  response: routeDecisionSchema,
  idempotent: false,
  operationId: "explainRoute",
  handler: ({ ctx, body }) => explainRoute(ctx, body),
});

export const listRoutingPresetsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/routing/presets",
  tag: "Models",
  summary: 'The workspace\'s routing presets (what a policy `{ type: "preset", preset }` means here)',
  requires: "models:read",
  response: z.object({ data: z.array(routingPresetSchema) }),
  handler: async ({ ctx }) => ({ data: await listRoutingPresets(ctx) }),
});

export const createRoutingPresetRoute = defineRoute({
  method: "POST",
  path: "/api/v1/routing/presets",
  tag: "Models",
  summary: "Add a routing preset (409 when the name is taken)",
  requires: "models:manage",
  body: createRoutingPresetInputSchema,
  status: 201,
  response: routingPresetSchema,
  idempotent: true,
  errors: ["CONFLICT"],
  handler: ({ ctx, body }) => createRoutingPreset(ctx, body),
});

export const updateRoutingPresetRoute = defineRoute({
  method: "PATCH",
  path: "/api/v1/routing/presets/{name}",
  tag: "Models",
  summary: "Replace a routing preset's constraints (and optionally its description); the name stays, so the policies that use it follow",
  requires: "models:manage",
  params: z.strictObject({ name: routingPresetNameSchema }),
  body: updateRoutingPresetInputSchema.omit({ presetId: true }),
  response: routingPresetSchema,
  handler: ({ ctx, params, body }) => updateRoutingPreset(ctx, { name: params.name, ...body }),
});

export const deleteRoutingPresetRoute = defineRoute({
  method: "DELETE",
  path: "/api/v1/routing/presets/{name}",
  tag: "Models",
  summary: "Delete a routing preset (409 naming the agents and queued/running runs that still use it; balanced, the default policy, stays)",
  requires: "models:manage",
  params: z.strictObject({ name: routingPresetNameSchema }),
  response: z.object({ deleted: z.literal(true) }),
  errors: ["CONFLICT"],
  handler: ({ ctx, params }) => deleteRoutingPreset(ctx, { name: params.name }),
});
