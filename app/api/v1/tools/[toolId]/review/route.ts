import { handlers } from "@/server/rest/define";
import { reviewMcpToolRoute } from "@/server/rest/routes/mcp-servers";

export const { POST } = handlers(reviewMcpToolRoute);
