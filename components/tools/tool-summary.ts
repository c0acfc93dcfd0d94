import type { ApprovalPolicy, ToolKind, ToolOut } from "@/lib/schemas/tools";

export const KIND_LABELS: Record<ToolKind, string> = { builtin: "Built-in", http: "Custom HTTP", mcp: "MCP" };

/** The approval policy in a few words: "never", "always", "unless GET, or to api.example.com". */
export function approvalSummary(policy: ApprovalPolicy): string {
  if (policy.mode === "never") return "No approval";
  if (policy.mode === "always") return "Every call needs approval";
  const parts = [
    ...(policy.methodsExcept?.length ? [`any method but ${policy.methodsExcept.join(", ")}`] : []),
    ...(policy.hostsExcept?.length ? [`any host but ${policy.hostsExcept.join(", ")}`] : []),
  ];
  return parts.length > 0 ? `Approval for ${parts.join("; or ")}` : "Approval by rule (no condition set)";
}

/** A size in bytes as people read it (KiB, MiB). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KiB`;
  return `${bytes} B`;
}

/** Timeout, response limit, rate limits and cost in one line. */
export function limitsSummary(
  tool: Pick<ToolOut, "timeoutMs" | "maxResponseBytes" | "rateLimitPerMinute" | "agentRateLimitPerMinute" | "costPerCallUsd">,
): string {
  return [
    `${tool.timeoutMs / 1000} s`,
    formatBytes(tool.maxResponseBytes),
    ...(tool.rateLimitPerMinute !== null ? [`${tool.rateLimitPerMinute}/min`] : []),
    ...(tool.agentRateLimitPerMinute !== null ? [`${tool.agentRateLimitPerMinute}/min per agent`] : []),
    ...(tool.costPerCallUsd > 0 ? [`$${tool.costPerCallUsd} per call`] : []),
  ].join(" · ");
}
