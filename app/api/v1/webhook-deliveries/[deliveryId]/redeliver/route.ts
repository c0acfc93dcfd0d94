import { handlers } from "@/server/rest/define";
import { redeliverWebhookRoute } from "@/server/rest/routes/webhooks";

export const { POST } = handlers(redeliverWebhookRoute);
