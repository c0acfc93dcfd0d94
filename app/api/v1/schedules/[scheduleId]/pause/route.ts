import { handlers } from "@/server/rest/define";
import { pauseScheduleRoute } from "@/server/rest/routes/schedules";

export const { POST } = handlers(pauseScheduleRoute);
