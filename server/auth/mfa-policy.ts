/**
 * Who must have a second factor. Organisations (issue 18) register their rule here; without one nobody is required.
 * Consulted when a signed-in person opens a workspace (server/api/trpc.ts, REST sessions never: API keys are not
 * people) and by the account page, which says why.
 */
export type MfaRequirement = (userId: string) => Promise<boolean>;

const none: MfaRequirement = async () => false;
let requirement: MfaRequirement = none;

/** Installs the rule (undefined: back to "nobody is required"). */
export function setMfaRequirement(fn: MfaRequirement | undefined): void {
  requirement = fn ?? none;
}

export function mfaRequiredFor(userId: string): Promise<boolean> {
  return requirement(userId);
}
