import { handlers } from "@/server/rest/define";
import { getOverviewRoute } from "@/server/rest/routes/overview";

export const { GET } = handlers(getOverviewRoute);
