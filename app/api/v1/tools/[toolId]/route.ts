import { handlers } from "@/server/rest/define";
import { deleteToolRoute, getToolRoute, updateToolRoute } from "@/server/rest/routes/tools";

export const { GET, PATCH, DELETE } = handlers(getToolRoute, updateToolRoute, deleteToolRoute);
