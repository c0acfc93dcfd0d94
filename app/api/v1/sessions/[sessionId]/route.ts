import { handlers } from "@/server/rest/define";
import { deleteSessionRoute, getSessionRoute } from "@/server/rest/routes/sessions";

export const { GET, DELETE } = handlers(getSessionRoute, deleteSessionRoute);
