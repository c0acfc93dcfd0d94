import { handlers } from "@/server/rest/define";
import { setTeamPromotionRoute } from "@/server/rest/routes/promotion";

export const { PUT } = handlers(setTeamPromotionRoute);
