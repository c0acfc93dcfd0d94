import { handlers } from "@/server/rest/define";
import { exportSubjectRoute } from "@/server/rest/routes/memories";

export const { GET } = handlers(exportSubjectRoute);
