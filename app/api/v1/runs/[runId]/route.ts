import { handlers } from "@/server/rest/define";
import { getRunRoute } from "@/server/rest/routes/runs";

export const { GET } = handlers(getRunRoute);
