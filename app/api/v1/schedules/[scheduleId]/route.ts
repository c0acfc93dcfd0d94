import { handlers } from "@/server/rest/define";
import { deleteScheduleRoute, getScheduleRoute, updateScheduleRoute } from "@/server/rest/routes/schedules";

export const { GET, PATCH, DELETE } = handlers(getScheduleRoute, updateScheduleRoute, deleteScheduleRoute);
