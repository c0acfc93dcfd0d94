import { handlers } from "@/server/rest/define";
import { listWebhookDeliveriesRoute } from "@/server/rest/routes/webhooks";

export const { GET } = handlers(listWebhookDeliveriesRoute);
