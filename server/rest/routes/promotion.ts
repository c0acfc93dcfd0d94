import { z } from "zod";
import { defineRoute } from "../define";
import { agentRefSchema, agentSchema } from "@/lib/schemas/agents";
import { teamRefSchema, teamSchema } from "@/lib/schemas/teams";
import { setPromotionRuleInputSchema } from "@/lib/schemas/promotion";
import { setAgentPromotionRule, setTeamPromotionRule } from "@/server/quality/evaluations/promotion";

const RULE_SUMMARY =
  "Eval-gated promotion: with `rule` ({ dataset, judges, passRate?, budgetUsd? }), each new version is a candidate (runs keep the current one) and an evaluation of it over the dataset starts at once; when it passes, the version becomes current by itself. `rule: null` makes every new version current at once. The dataset and judges must exist and not be archived (422). Audited as";

export const setAgentPromotionRoute = defineRoute({
  method: "PUT",
  path: "/api/v1/agents/{agentId}/promotion-rule",
  summary: `${RULE_SUMMARY} agent.update.`,
  tag: "Agents",
  requires: "agents:update",
  params: z.strictObject({ agentId: agentRefSchema }),
  body: setPromotionRuleInputSchema,
  response: agentSchema,
  handler: ({ ctx, params, body }) => setAgentPromotionRule(ctx, params.agentId, body.rule),
});

export const setTeamPromotionRoute = defineRoute({
  method: "PUT",
  path: "/api/v1/teams/{teamId}/promotion-rule",
  summary: `${RULE_SUMMARY} team.update.`,
  tag: "Teams",
  requires: "teams:update",
  params: z.strictObject({ teamId: teamRefSchema }),
  body: setPromotionRuleInputSchema,
  response: teamSchema,
  handler: ({ ctx, params, body }) => setTeamPromotionRule(ctx, params.teamId, body.rule),
});
