import { handlers } from "@/server/rest/define";
import { disconnectMcpServerRoute } from "@/server/rest/routes/mcp-servers";

export const { POST } = handlers(disconnectMcpServerRoute);
