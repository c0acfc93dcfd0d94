import { handlers } from "@/server/rest/define";
import { createAgentRoute, listAgentsRoute } from "@/server/rest/routes/agents";

export const { GET, POST } = handlers(listAgentsRoute, createAgentRoute);
