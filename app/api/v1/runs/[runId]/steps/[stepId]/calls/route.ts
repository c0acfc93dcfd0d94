import { handlers } from "@/server/rest/define";
import { listRunStepCallsRoute } from "@/server/rest/routes/runs";

export const { GET } = handlers(listRunStepCallsRoute);
