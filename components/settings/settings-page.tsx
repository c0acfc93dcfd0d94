"use client";

import { useWorkspace } from "@/components/workspace/workspace-context";
import { DangerZone } from "./danger-zone";
import { GeneralSettings } from "./general-settings";
import { EgressSettings } from "./egress-settings";
import { ApiLimits } from "./api-limits";
import { McpEndpointCard } from "@/components/mcp/mcp-endpoint-card";
import { RetentionSettings } from "./retention-settings";
import { RunLimits } from "./run-limits";
import { McpConnections } from "./mcp-connections";
import { SettingsNav } from "./settings-nav";

export function SettingsPage() {
  const { can } = useWorkspace();
  return (
    <div className="grid gap-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <h1 className="text-2xl font-semibold tracking-tight">Settings</h1>
      </div>
      <SettingsNav />
      <GeneralSettings />
      {can("settings:read") ? <EgressSettings /> : null}
      <ApiLimits />
      <McpEndpointCard />
      <RunLimits />
      {can("settings:read") ? <RetentionSettings /> : null}
      {can("mcp_connections:read") ? <McpConnections /> : null}
      {can("settings:delete") ? <DangerZone /> : null}
    </div>
  );
}
