import { handlers } from "@/server/rest/define";
import { listRunStepsRoute } from "@/server/rest/routes/runs";

export const { GET } = handlers(listRunStepsRoute);
