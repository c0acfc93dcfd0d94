import { handlers } from "@/server/rest/define";
import { getLabelRoute } from "@/server/rest/routes/labels";

export const { GET } = handlers(getLabelRoute);
