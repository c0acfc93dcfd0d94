import { recordAudit, type AuditEntryInput } from "@/server/audit/service";
import type { TenantContext } from "@/server/context";

export interface McpCallContext {
  ctx: TenantContext;
  /** the MCP client's name and version (its session's, or its OAuth registration's), for the audit entries */
  client: { name: string; version: string };
  /** cancellation of a call that a later request asks for (notifications/cancelled); returns the release */
  registerCall: (requestId: string | number, abort: AbortController) => () => void;
  /** records durably which run answers this call (a cancellation reaching another process finds it); returns the forget */
  recordRun: (requestId: string | number, runId: string) => Promise<() => Promise<void>>;
}

/** An audit entry of an MCP call: the channel and the client's name are in its metadata. */
export async function auditCall(call: McpCallContext, entry: Omit<AuditEntryInput, "metadata"> & { metadata: Record<string, unknown> }): Promise<void> {
  await recordAudit(call.ctx, { ...entry, metadata: { ...entry.metadata, channel: "mcp", client: call.client.name, clientVersion: call.client.version } });
}
