import { handlers } from "@/server/rest/define";
import { revokeApiKeyRoute } from "@/server/rest/routes/api-keys";

export const { DELETE } = handlers(revokeApiKeyRoute);
