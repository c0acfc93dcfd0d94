import { handlers } from "@/server/rest/define";
import { listAgentVersionsRoute } from "@/server/rest/routes/agents";

export const { GET } = handlers(listAgentVersionsRoute);
