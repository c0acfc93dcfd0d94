import { handlers } from "@/server/rest/define";
import { getRunStepRoute } from "@/server/rest/routes/runs";

export const { GET } = handlers(getRunStepRoute);
