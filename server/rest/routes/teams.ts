import { z } from "zod";
import { defineRoute } from "../define";
import { createTeam, getTeam, listTeams, listTeamVersions, updateTeam } from "@/server/teams/service";
import { createTeamInputSchema, listTeamsInputSchema, teamRefSchema, teamSchema, teamVersionSchema, updateTeamInputSchema } from "@/lib/schemas/teams";

const teamParams = z.strictObject({ teamId: teamRefSchema });

export const listTeamsRoute = defineRoute({
  method: "GET", path: "/api/v1/teams", summary: "The workspace's teams with their current versions", tag: "Teams",
  requires: "teams:read", query: listTeamsInputSchema, response: z.object({ data: z.array(teamSchema) }),
  handler: async ({ ctx, query }) => ({ data: await listTeams(ctx, query) }),
});

export const createTeamRoute = defineRoute({
  method: "POST", path: "/api/v1/teams", summary: "Create a team (version 1); an invalid spec is a 422 listing every problem in `issues`", tag: "Teams",
  requires: "teams:create", body: createTeamInputSchema, status: 201, response: teamSchema, idempotent: true, errors: ["CONFLICT"],
  handler: ({ ctx, body }) => createTeam(ctx, body),
});

export const getTeamRoute = defineRoute({
  method: "GET", path: "/api/v1/teams/{teamId}", summary: "One team (by id or slug) with its current version", tag: "Teams",
  requires: "teams:read", params: teamParams, response: teamSchema,
  handler: ({ ctx, params }) => getTeam(ctx, params.teamId),
});

export const updateTeamRoute = defineRoute({
  method: "PATCH", path: "/api/v1/teams/{teamId}", summary: "Save a new, validated version of a team (fields left out carry over; an identical update writes nothing)", tag: "Teams",
  requires: "teams:update", params: teamParams, body: updateTeamInputSchema, response: teamSchema, errors: ["CONFLICT"],
  handler: ({ ctx, params, body }) => updateTeam(ctx, params.teamId, body),
});

export const listTeamVersionsRoute = defineRoute({
  method: "GET", path: "/api/v1/teams/{teamId}/versions", summary: "Every version of a team, newest first", tag: "Teams",
  requires: "teams:read", params: teamParams, response: z.object({ data: z.array(teamVersionSchema) }),
  handler: async ({ ctx, params }) => ({ data: await listTeamVersions(ctx, params.teamId) }),
});
