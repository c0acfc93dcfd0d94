import { handlers } from "@/server/rest/define";
import { resumeScheduleRoute } from "@/server/rest/routes/schedules";

export const { POST } = handlers(resumeScheduleRoute);
