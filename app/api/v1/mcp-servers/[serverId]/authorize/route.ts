import { handlers } from "@/server/rest/define";
import { authorizeMcpServerRoute } from "@/server/rest/routes/mcp-servers";

export const { POST } = handlers(authorizeMcpServerRoute);
