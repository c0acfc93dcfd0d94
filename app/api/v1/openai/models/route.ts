import { handlers } from "@/server/rest/define";
import { openAiModelsRoute } from "@/server/rest/routes/openai";

export const { GET } = handlers(openAiModelsRoute);
