/**
 * Whether a call needs a person's approval before it runs (lib/schemas/tools.ts, approvalPolicySchema): the tool's
 * policy, and the policy of the agent version's grant of the tool (AgentVersion.toolApprovals) when it has one. The
 * grant's policy can only add approval: the call needs approval when either asks for it (the stricter applies).
 */
import type { ApprovalPolicy } from "@/lib/schemas/tools";
import type { CallTarget } from "./types";

const canonical = (host: string) => host.trim().toLowerCase().replace(/\.$/, "");

export function needsApproval(policy: ApprovalPolicy, target: CallTarget): boolean {
  if (policy.mode !== "rule") return policy.mode === "always";
  const method = target.method?.toUpperCase();
  const byMethod = policy.methodsExcept !== undefined && method !== undefined && !policy.methodsExcept.some((m) => m.toUpperCase() === method);
  const host = target.host === undefined ? undefined : canonical(target.host);
  const byHost = policy.hostsExcept !== undefined && host !== undefined && !policy.hostsExcept.some((h) => canonical(h) === host);
  return byMethod || byHost;
}

/** The tool's policy or the grant's: a call (or a redirect of one) needs approval when either asks for it. */
export function callNeedsApproval(tool: ApprovalPolicy, grant: ApprovalPolicy | undefined, target: CallTarget): boolean {
  return needsApproval(tool, target) || (grant !== undefined && needsApproval(grant, target));
}

const isSubset = (a: readonly string[], b: readonly string[], key: (s: string) => string) => a.every((x) => b.some((y) => key(y) === key(x)));

/**
 * `next` asks for approval at least whenever `prev` does (for every call), judged conservatively: a pair this cannot
 * show (two rules on different conditions) counts as not, so a change of it is treated as a loosening.
 */
export function atLeastAsStrict(next: ApprovalPolicy | undefined, prev: ApprovalPolicy | undefined): boolean {
  if (prev === undefined || prev.mode === "never") return true;
  if (next === undefined || next.mode === "never") return false;
  if (next.mode === "always") return true;
  if (prev.mode === "always") return false;
  // both rules: each condition prev has, next has too with at most the same exceptions
  const methods =
    prev.methodsExcept === undefined || (next.methodsExcept !== undefined && isSubset(next.methodsExcept, prev.methodsExcept, (m) => m.toUpperCase()));
  const hosts = prev.hostsExcept === undefined || (next.hostsExcept !== undefined && isSubset(next.hostsExcept, prev.hostsExcept, canonical));
  return methods && hosts;
}
