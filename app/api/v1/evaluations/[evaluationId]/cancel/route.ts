import { handlers } from "@/server/rest/define";
import { cancelEvaluationRoute } from "@/server/rest/routes/evaluations";

export const { POST } = handlers(cancelEvaluationRoute);
