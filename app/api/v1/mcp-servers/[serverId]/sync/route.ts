import { handlers } from "@/server/rest/define";
import { syncMcpServerRoute } from "@/server/rest/routes/mcp-servers";

export const { POST } = handlers(syncMcpServerRoute);
