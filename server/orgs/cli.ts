/** `npm run cadre -- orgs …` commands, with the database already available (scripts/cadre.ts). */
import { isAppError } from "@/lib/errors";
import type { CliIo } from "@/server/cli-io";
import { confirmDomainAsOperator } from "./domains";

/** `orgs verify-domain <org> <domain>`: an operator confirms a claimed domain where DNS cannot be checked. */
export async function verifyDomainCommand(organizationSlug: string, domain: string, io: CliIo): Promise<number> {
  try {
    const result = await confirmDomainAsOperator(organizationSlug, domain, "cli");
    io.out(`${result.domain} is verified for the organisation ${organizationSlug} (by an operator): sign-ins on it now follow its SSO policy.`);
    return 0;
  } catch (error) {
    if (isAppError(error) && (error.code === "NOT_FOUND" || error.code === "CONFLICT" || error.code === "VALIDATION_FAILED")) {
      io.err(error.message);
      return 1;
    }
    if (error && typeof error === "object" && "issues" in error) {
      io.err(`"${domain}" is not a domain such as example.com`);
      return 1;
    }
    throw error;
  }
}
