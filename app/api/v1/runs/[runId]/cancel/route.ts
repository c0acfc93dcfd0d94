import { handlers } from "@/server/rest/define";
import { cancelRunRoute } from "@/server/rest/routes/runs";

export const { POST } = handlers(cancelRunRoute);
