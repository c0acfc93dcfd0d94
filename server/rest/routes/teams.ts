import { z } from "zod";
import { defineRoute } from "../define";
import { baseVersionOf, ifMatchHeaders, withETag } from "../etag";
import { archiveTeam, createTeam, getTeam, listTeams, listTeamVersions, restoreTeamVersion, updateTeam } from "@/server/teams/service";
import { restoreVersionInputSchema } from "@/lib/schemas/agents";
import {
  createTeamInputSchema,
  listTeamsInputSchema,
  savedTeamSchema,
  teamEstimateQuerySchema,
  teamEstimateSchema,
  teamRefSchema,
  teamSchema,
  teamVersionSchema,
  updateTeamInputSchema,
} from "@/lib/schemas/teams";
import { estimateTeam } from "@/server/teams/team-estimate";
import { paginationSchema, restPageOf } from "@/lib/schemas/common";

const teamParams = z.strictObject({ teamId: teamRefSchema });

export const listTeamsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/teams",
  summary: "The workspace's teams with their current versions, newest first (one page: `limit`, `cursor`)",
  tag: "Teams",
  requires: "teams:read",
  query: listTeamsInputSchema,
  response: restPageOf(teamSchema),
  handler: async ({ ctx, query }) => {
    const page = await listTeams(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const createTeamRoute = defineRoute({
  method: "POST",
  path: "/api/v1/teams",
  summary:
    "Create a team (version 1), returned with the estimate of one run; an invalid spec is a 422 listing every problem in `issues` (a structured role whose policy reaches no model answering JSON among them)",
  tag: "Teams",
  requires: "teams:create",
  body: createTeamInputSchema,
  status: 201,
  response: savedTeamSchema,
  idempotent: true,
  errors: ["CONFLICT"],
  handler: ({ ctx, body }) => createTeam(ctx, body),
});

export const getTeamRoute = defineRoute({
  method: "GET",
  path: "/api/v1/teams/{teamId}",
  summary: 'One team (by id or slug) with its current version; `ETag: "v<latestVersion>"` for If-Match',
  tag: "Teams",
  requires: "teams:read",
  params: teamParams,
  response: teamSchema,
  handler: async ({ ctx, params }) => withETag(teamSchema, await getTeam(ctx, params.teamId)),
});

export const updateTeamRoute = defineRoute({
  method: "PATCH",
  path: "/api/v1/teams/{teamId}",
  summary:
    "Save a new, validated version of a team (fields left out carry over; an identical update writes nothing), returned with the estimate of one run. With `If-Match` (the ETag of a GET) or `baseVersion`, a save based on an older version is a 409.",
  tag: "Teams",
  requires: "teams:update",
  params: teamParams,
  headers: ifMatchHeaders,
  body: updateTeamInputSchema,
  response: savedTeamSchema,
  errors: ["CONFLICT", "BAD_REQUEST"],
  handler: async ({ ctx, params, body, headers }) =>
    withETag(savedTeamSchema, await updateTeam(ctx, params.teamId, { ...body, baseVersion: baseVersionOf(headers, body.baseVersion) })),
});

export const archiveTeamRoute = defineRoute({
  method: "POST",
  path: "/api/v1/teams/{teamId}/archive",
  summary:
    "Archive a team (soft delete: its versions stay readable and old runs keep working; new runs and teams cannot use it). Archiving an archived team changes nothing.",
  tag: "Teams",
  requires: "teams:delete",
  params: teamParams,
  response: teamSchema,
  idempotent: false,
  handler: async ({ ctx, params }) => withETag(teamSchema, await archiveTeam(ctx, params.teamId)),
});

export const restoreTeamVersionRoute = defineRoute({
  method: "POST",
  path: "/api/v1/teams/{teamId}/restore",
  summary:
    "Make an earlier released version current again, as a new version with its name, description and spec, validated like any save and returned with the estimate of one run (a rollback that keeps the history; audited as team.update with restoredFrom). A candidate that never passed its evaluation cannot be restored (409). With `If-Match` or `baseVersion`, a restore based on an older version is a 409.",
  tag: "Teams",
  requires: "teams:update",
  params: teamParams,
  headers: ifMatchHeaders,
  body: restoreVersionInputSchema,
  response: savedTeamSchema,
  errors: ["CONFLICT", "BAD_REQUEST"],
  idempotent: false,
  handler: async ({ ctx, params, body, headers }) =>
    withETag(savedTeamSchema, await restoreTeamVersion(ctx, params.teamId, { ...body, baseVersion: baseVersionOf(headers, body.baseVersion) })),
});

export const listTeamVersionsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/teams/{teamId}/versions",
  summary: "A team's versions, newest first (one page: `limit`, `cursor`)",
  tag: "Teams",
  requires: "teams:read",
  params: teamParams,
  query: paginationSchema,
  response: restPageOf(teamVersionSchema),
  handler: async ({ ctx, params, query }) => {
    const page = await listTeamVersions(ctx, params.teamId, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const teamEstimateRoute = defineRoute({
  method: "GET",
  path: "/api/v1/teams/{teamId}/estimate",
  summary:
    "The worst case of one run of the team's current version: steps, model calls, upper bounds on tokens and cost on the models its agents' policies route to (for a task of `taskTokens`, default 1000), and the nodes that would make a run RUN_INFEASIBLE",
  tag: "Teams",
  requires: "teams:read",
  params: teamParams,
  query: teamEstimateQuerySchema,
  response: teamEstimateSchema,
  handler: ({ ctx, params, query }) => estimateTeam(ctx, { team: params.teamId, taskTokens: query.taskTokens }),
});
