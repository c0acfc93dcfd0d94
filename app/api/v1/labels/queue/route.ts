import { handlers } from "@/server/rest/define";
import { labelQueueRoute } from "@/server/rest/routes/labels";

export const { GET } = handlers(labelQueueRoute);
