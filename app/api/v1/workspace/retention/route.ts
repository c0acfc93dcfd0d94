import { handlers } from "@/server/rest/define";
import { getRetentionRoute, updateRetentionRoute } from "@/server/rest/routes/workspace";

export const { GET, PATCH } = handlers(getRetentionRoute, updateRetentionRoute);
