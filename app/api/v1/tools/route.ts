import { handlers } from "@/server/rest/define";
import { createToolRoute, listToolsRoute } from "@/server/rest/routes/tools";

export const { GET, POST } = handlers(listToolsRoute, createToolRoute);
