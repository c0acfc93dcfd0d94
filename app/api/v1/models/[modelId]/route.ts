import { handlers } from "@/server/rest/define";
import { deleteModelRoute, getModelRoute, updateModelRoute } from "@/server/rest/routes/models";

export const { GET, PATCH, DELETE } = handlers(getModelRoute, updateModelRoute, deleteModelRoute);
