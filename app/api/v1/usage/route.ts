import { handlers } from "@/server/rest/define";
import { listUsageRoute } from "@/server/rest/routes/usage";

export const { GET } = handlers(listUsageRoute);
