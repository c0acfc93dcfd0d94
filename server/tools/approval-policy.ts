/** Whether a call needs a person's approval before it runs (lib/schemas/tools.ts, approvalPolicySchema). */
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
