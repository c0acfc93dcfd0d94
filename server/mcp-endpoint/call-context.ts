import { recordAudit, type AuditEntryInput } from "@/server/audit/service";
import type { TenantContext } from "@/server/context";
import type { RecordedCall } from "./call-runs";

export interface McpCallContext {
  ctx: TenantContext;
  /** the MCP client's name and version (its session's, or its OAuth registration's), for the audit entries */
  client: { name: string; version: string };
  /** cancellation of a call that a later request asks for (notifications/cancelled); returns the release */
  registerCall: (requestId: string | number, abort: AbortController) => () => void;
  /** records the call durably as its run is about to start, then which run answers it (a cancellation reaching another process finds it) */
  recordCall: (requestId: string | number) => Promise<RecordedCall>;
}

/** An audit entry of an MCP call: the channel and the client's name are in its metadata. */
export async function auditCall(call: McpCallContext, entry: Omit<AuditEntryInput, "metadata"> & { metadata: Record<string, unknown> }): Promise<void> {
  await recordAudit(call.ctx, { ...entry, metadata: { ...entry.metadata, channel: "mcp", client: call.client.name, clientVersion: call.client.version } });
}
