import { handlers } from "@/server/rest/define";
import { setAgentPromotionRoute } from "@/server/rest/routes/promotion";

export const { PUT } = handlers(setAgentPromotionRoute);
