import { handlers } from "@/server/rest/define";
import { getWebhookDeliveryRoute } from "@/server/rest/routes/webhooks";

export const { GET } = handlers(getWebhookDeliveryRoute);
