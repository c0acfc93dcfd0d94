import { handlers } from "@/server/rest/define";
import { listJudgeVersionsRoute } from "@/server/rest/routes/judges";

export const { GET } = handlers(listJudgeVersionsRoute);
