import { z } from "zod";

const plural = (n: number | bigint, one: string) => `${n} ${one}${Number(n) === 1 ? "" : "s"}`;

/**
 * Zod's messages in people's words ("Required", "At most 100 characters") instead of its own ("Invalid input: expected
 * string, received undefined", "Invalid discriminator value"). Messages a schema sets itself are kept. Pass it as the
 * `error` of a parse: `schema.safeParse(value, { error: friendlyError })` (components/ui/form.tsx does).
 */
export const friendlyError: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined || issue.input === null || issue.input === "" ? "Required" : "Enter a valid value";
    case "too_small":
      if (issue.origin === "string") return Number(issue.minimum) <= 1 ? "Required" : `At least ${plural(issue.minimum, "character")}`;
      if (issue.origin === "array" || issue.origin === "set") return Number(issue.minimum) <= 1 ? "Choose at least one" : `Choose at least ${issue.minimum}`;
      return `At least ${issue.minimum}`;
    case "too_big":
      if (issue.origin === "string") return `At most ${plural(issue.maximum, "character")}`;
      if (issue.origin === "array" || issue.origin === "set") return `At most ${issue.maximum}`;
      return `At most ${issue.maximum}`;
    case "invalid_format":
      if (issue.format === "email") return "Enter an email address";
      if (issue.format === "url") return "Enter a URL (https://…)";
      if (issue.format === "regex") return "Contains characters that are not allowed here";
      return `Enter a valid ${issue.format}`;
    case "invalid_value":
      return issue.values.length <= 6 ? `Choose one of: ${issue.values.map(String).join(", ")}` : "Choose one of the options";
    case "invalid_union":
      return "Choose one of the options";
    case "not_multiple_of":
      return `Must be a multiple of ${issue.divisor}`;
    case "unrecognized_keys":
      return `Unknown field${issue.keys.length === 1 ? "" : "s"}: ${issue.keys.join(", ")}`;
    default:
      return undefined; // zod's own message (custom refinements carry theirs)
  }
};

const english = z.locales.en();

/**
 * An issue of a finished parse (the server's: tRPC input validation) in people's words when zod wrote its message,
 * its own message when the schema set one (told apart by comparing with zod's English message for the issue).
 */
export function friendlyIssueMessage(issue: z.core.$ZodIssue): string {
  const zods = english.localeError(issue as unknown as z.core.$ZodRawIssue);
  const zodMessage = typeof zods === "string" ? zods : zods?.message;
  if (issue.message !== zodMessage) return issue.message;
  const friendly = friendlyError(issue as unknown as z.core.$ZodRawIssue);
  return (typeof friendly === "string" ? friendly : friendly?.message) ?? issue.message;
}
