import { handlers } from "@/server/rest/define";
import { getWebhookRoute, updateWebhookRoute, deleteWebhookRoute } from "@/server/rest/routes/webhooks";

export const { GET, PATCH, DELETE } = handlers(getWebhookRoute, updateWebhookRoute, deleteWebhookRoute);
