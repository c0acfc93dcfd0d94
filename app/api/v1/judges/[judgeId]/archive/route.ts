import { handlers } from "@/server/rest/define";
import { archiveJudgeRoute } from "@/server/rest/routes/judges";

export const { POST } = handlers(archiveJudgeRoute);
