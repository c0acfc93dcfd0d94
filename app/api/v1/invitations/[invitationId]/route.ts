import { handlers } from "@/server/rest/define";
import { revokeInvitationRoute } from "@/server/rest/routes/invitations";

export const { DELETE } = handlers(revokeInvitationRoute);
