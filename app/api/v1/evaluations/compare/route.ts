import { handlers } from "@/server/rest/define";
import { compareEvaluationsRoute } from "@/server/rest/routes/evaluations";

export const { GET } = handlers(compareEvaluationsRoute);
