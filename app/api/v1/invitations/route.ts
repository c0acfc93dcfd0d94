import { handlers } from "@/server/rest/define";
import { createInvitationRoute, listInvitationsRoute } from "@/server/rest/routes/invitations";

export const { GET, POST } = handlers(listInvitationsRoute, createInvitationRoute);
