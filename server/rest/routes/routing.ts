import { defineRoute } from "../define";
import { explainRouteInputSchema, routeDecisionSchema } from "@/lib/schemas/routing";
import { explainRoute } from "@/server/models/routing";

export const explainRouteRoute = defineRoute({
  method: "POST", path: "/api/v1/models/route", tag: "Models",
  summary: "Route a model policy without calling any model: the chosen model, its fallbacks and why each candidate was (not) chosen",
  requires: "models:read", body: explainRouteInputSchema, response: routeDecisionSchema,
  handler: ({ ctx, body }) => explainRoute(ctx, body),
});
