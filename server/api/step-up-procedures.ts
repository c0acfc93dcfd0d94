/**
 * The tRPC procedures that need a recent authentication of the session (server/auth/step-up.ts): the vault, API
 * keys, members and invitations, the account's email, password and second factor. Checked after the role's
 * permission (a viewer is told FORBIDDEN, not asked to re-authenticate). Organisation policy procedures join here.
 */
export const STEP_UP_PROCEDURES: readonly string[] = [
  "secrets.create",
  "secrets.update",
  "secrets.delete",
  "apiKeys.create",
  "apiKeys.revoke",
  "members.changeRole",
  "members.remove",
  "invitations.create",
  "account.changePassword",
  "account.changeEmail",
  "account.mfa.disable",
  "account.mfa.regenerateRecoveryCodes",
  "account.passkeys.registrationOptions",
  "account.passkeys.register",
  "account.passkeys.remove",
  // organisation policy and people (docs/organizations.md)
  "orgs.updatePolicy",
  "orgs.setRole",
  "orgs.removePerson",
  "orgs.setGroupRoles",
  "orgs.attachWorkspace",
  "orgs.detachWorkspace",
  "orgs.removeDomain",
];

const set = new Set(STEP_UP_PROCEDURES);

export function needsStepUp(path: string): boolean {
  return set.has(path);
}
