import { handlers } from "@/server/rest/define";
import { archiveAgentRoute } from "@/server/rest/routes/agents";

export const { POST } = handlers(archiveAgentRoute);
