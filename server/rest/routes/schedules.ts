import { z } from "zod";
import { defineRoute } from "../define";
import { deletedSchema, restPageOf } from "@/lib/schemas/common";
import { createScheduleInputSchema, listSchedulesInputSchema, scheduleIdSchema, scheduleSchema, updateScheduleInputSchema } from "@/lib/schemas/schedules";
import { createSchedule, deleteSchedule, getSchedule, listSchedules, pauseSchedule, resumeSchedule, updateSchedule } from "@/server/schedules/service";

const TAG = "Schedules";
const scheduleParams = z.strictObject({ scheduleId: scheduleIdSchema });

export const listSchedulesRoute = defineRoute({
  method: "GET",
  path: "/api/v1/schedules",
  summary: "The workspace's schedules, newest first, each with its next run time, last run and status (one page: `limit`, `cursor`)",
  tag: TAG,
  requires: "schedules:read",
  query: listSchedulesInputSchema,
  response: restPageOf(scheduleSchema),
  handler: async ({ ctx, query }) => {
    const page = await listSchedules(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const createScheduleRoute = defineRoute({
  method: "POST",
  path: "/api/v1/schedules",
  summary:
    "Run an agent or a team with a fixed input at the times of a cron expression in a time zone. Never two runs at once unless allowOverlap; missed times: skip or catch_up. Needs schedules:manage and runs:create; audited",
  tag: TAG,
  requires: "schedules:manage",
  body: createScheduleInputSchema,
  status: 201,
  response: scheduleSchema,
  idempotent: true,
  errors: ["CONFLICT", "VALIDATION_FAILED"],
  handler: ({ ctx, body }) => createSchedule(ctx, body),
});

export const getScheduleRoute = defineRoute({
  method: "GET",
  path: "/api/v1/schedules/{scheduleId}",
  summary: "One schedule",
  tag: TAG,
  requires: "schedules:read",
  params: scheduleParams,
  response: scheduleSchema,
  handler: ({ ctx, params }) => getSchedule(ctx, params.scheduleId),
});

export const updateScheduleRoute = defineRoute({
  method: "PATCH",
  path: "/api/v1/schedules/{scheduleId}",
  summary: "Change a schedule (name, times, input, overlap, missed-times policy); new times start after now. Audited",
  tag: TAG,
  requires: "schedules:manage",
  params: scheduleParams,
  body: updateScheduleInputSchema,
  response: scheduleSchema,
  errors: ["VALIDATION_FAILED"],
  handler: ({ ctx, params, body }) => updateSchedule(ctx, params.scheduleId, body),
});

export const deleteScheduleRoute = defineRoute({
  method: "DELETE",
  path: "/api/v1/schedules/{scheduleId}",
  summary: "Delete a schedule (its runs stay); audited",
  tag: TAG,
  requires: "schedules:manage",
  params: scheduleParams,
  response: deletedSchema,
  handler: ({ ctx, params }) => deleteSchedule(ctx, params.scheduleId),
});

export const pauseScheduleRoute = defineRoute({
  method: "POST",
  path: "/api/v1/schedules/{scheduleId}/pause",
  summary: "Pause a schedule: it fires no more until resumed (a paused schedule answers as it is). Audited",
  tag: TAG,
  requires: "schedules:manage",
  params: scheduleParams,
  status: 200,
  response: scheduleSchema,
  idempotent: false,
  handler: ({ ctx, params }) => pauseSchedule(ctx, params.scheduleId),
});

export const resumeScheduleRoute = defineRoute({
  method: "POST",
  path: "/api/v1/schedules/{scheduleId}/resume",
  summary: "Resume a paused schedule from its next time after now (times passed while paused do not run). Audited",
  tag: TAG,
  requires: "schedules:manage",
  params: scheduleParams,
  status: 200,
  response: scheduleSchema,
  idempotent: false,
  handler: ({ ctx, params }) => resumeSchedule(ctx, params.scheduleId),
});
