import { handlers } from "@/server/rest/define";
import { listLabelsRoute } from "@/server/rest/routes/labels";

export const { GET } = handlers(listLabelsRoute);
