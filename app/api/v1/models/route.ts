import { handlers } from "@/server/rest/define";
import { createModelRoute, listModelsRoute } from "@/server/rest/routes/models";

export const { GET, POST } = handlers(listModelsRoute, createModelRoute);
