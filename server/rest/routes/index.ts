import type { AnyRestRoute } from "../define";
import { getMe } from "./me";
import { changeMemberRoleRoute, listMembersRoute, removeMemberRoute } from "./members";
import { createInvitationRoute, listInvitationsRoute, revokeInvitationRoute } from "./invitations";
import { createApiKeyRoute, listApiKeysRoute, revokeApiKeyRoute } from "./api-keys";
import { listAuditRoute } from "./audit";

/** Every REST route, for the OpenAPI document and the permission table test. */
export const restRoutes: AnyRestRoute[] = [
  getMe,
  listMembersRoute, changeMemberRoleRoute, removeMemberRoute,
  listInvitationsRoute, createInvitationRoute, revokeInvitationRoute,
  listApiKeysRoute, createApiKeyRoute, revokeApiKeyRoute,
  listAuditRoute,
];
