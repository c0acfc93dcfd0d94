import { handlers } from "@/server/rest/define";
import { testWebhookRoute } from "@/server/rest/routes/webhooks";

export const { POST } = handlers(testWebhookRoute);
