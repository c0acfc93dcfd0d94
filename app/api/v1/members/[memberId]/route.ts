import { handlers } from "@/server/rest/define";
import { changeMemberRoleRoute, removeMemberRoute } from "@/server/rest/routes/members";

export const { PATCH, DELETE } = handlers(changeMemberRoleRoute, removeMemberRoute);
