import { handlers } from "@/server/rest/define";
import { listMemoryModelsRoute, setMemoryModelRoute } from "@/server/rest/routes/memory-models";

export const { GET, PUT } = handlers(listMemoryModelsRoute, setMemoryModelRoute);
