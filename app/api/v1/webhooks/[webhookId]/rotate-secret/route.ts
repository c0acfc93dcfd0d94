import { handlers } from "@/server/rest/define";
import { rotateWebhookSecretRoute } from "@/server/rest/routes/webhooks";

export const { POST } = handlers(rotateWebhookSecretRoute);
