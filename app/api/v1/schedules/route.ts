import { handlers } from "@/server/rest/define";
import { createScheduleRoute, listSchedulesRoute } from "@/server/rest/routes/schedules";

export const { GET, POST } = handlers(listSchedulesRoute, createScheduleRoute);
