import { handlers } from "@/server/rest/define";
import { createApiKeyRoute, listApiKeysRoute } from "@/server/rest/routes/api-keys";

export const { GET, POST } = handlers(listApiKeysRoute, createApiKeyRoute);
