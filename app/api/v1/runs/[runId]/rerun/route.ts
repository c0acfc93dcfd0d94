import { handlers } from "@/server/rest/define";
import { rerunRunRoute } from "@/server/rest/routes/runs";

export const { POST } = handlers(rerunRunRoute);
