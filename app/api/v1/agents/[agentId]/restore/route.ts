import { handlers } from "@/server/rest/define";
import { restoreAgentVersionRoute } from "@/server/rest/routes/agents";

export const { POST } = handlers(restoreAgentVersionRoute);
