import { handlers } from "@/server/rest/define";
import { saveLabelRoute } from "@/server/rest/routes/labels";

export const { PUT } = handlers(saveLabelRoute);
