import { handlers } from "@/server/rest/define";
import { listWebhooksRoute, createWebhookRoute } from "@/server/rest/routes/webhooks";

export const { GET, POST } = handlers(listWebhooksRoute, createWebhookRoute);
