import { handlers } from "@/server/rest/define";
import { deleteWorkspaceRoute, getWorkspaceRoute, updateWorkspaceRoute } from "@/server/rest/routes/workspace";

export const { GET, PATCH, DELETE } = handlers(getWorkspaceRoute, updateWorkspaceRoute, deleteWorkspaceRoute);
