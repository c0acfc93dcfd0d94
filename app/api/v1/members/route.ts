import { handlers } from "@/server/rest/define";
import { listMembersRoute } from "@/server/rest/routes/members";

export const { GET } = handlers(listMembersRoute);
