import { deletedSchema, pageOf } from "@/lib/schemas/common";
import {
  createScheduleInputSchema,
  listSchedulesInputSchema,
  scheduleByIdInputSchema,
  scheduleSchema,
  updateScheduleWithIdInputSchema,
} from "@/lib/schemas/schedules";
import { router, workspaceProcedure } from "../trpc";
import { createSchedule, deleteSchedule, getSchedule, listSchedules, pauseSchedule, resumeSchedule, updateSchedule } from "@/server/schedules/service";

/** Schedules (issue 15): runs of an agent or a team at the times of a cron expression in a time zone. */
export const schedulesRouter = router({
  list: workspaceProcedure("schedules:read")
    .input(listSchedulesInputSchema)
    .output(pageOf(scheduleSchema))
    .query(({ ctx, input }) => listSchedules(ctx.tenant, input)),
  get: workspaceProcedure("schedules:read")
    .input(scheduleByIdInputSchema)
    .output(scheduleSchema)
    .query(({ ctx, input }) => getSchedule(ctx.tenant, input.scheduleId)),
  create: workspaceProcedure("schedules:manage")
    .input(createScheduleInputSchema)
    .output(scheduleSchema)
    .mutation(({ ctx, input }) => createSchedule(ctx.tenant, input)),
  update: workspaceProcedure("schedules:manage")
    .input(updateScheduleWithIdInputSchema)
    .output(scheduleSchema)
    .mutation(({ ctx, input: { scheduleId, ...patch } }) => updateSchedule(ctx.tenant, scheduleId, patch)),
  pause: workspaceProcedure("schedules:manage")
    .input(scheduleByIdInputSchema)
    .output(scheduleSchema)
    .mutation(({ ctx, input }) => pauseSchedule(ctx.tenant, input.scheduleId)),
  resume: workspaceProcedure("schedules:manage")
    .input(scheduleByIdInputSchema)
    .output(scheduleSchema)
    .mutation(({ ctx, input }) => resumeSchedule(ctx.tenant, input.scheduleId)),
  delete: workspaceProcedure("schedules:manage")
    .input(scheduleByIdInputSchema)
    .output(deletedSchema)
    .mutation(({ ctx, input }) => deleteSchedule(ctx.tenant, input.scheduleId)),
});
