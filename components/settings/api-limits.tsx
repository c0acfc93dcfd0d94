"use client";

import { useWorkspace } from "@/components/workspace/workspace-context";
import { LimitSetting } from "./limit-setting";

/** The REST rate limit per API key: the workspace's own, or the server's default when left empty. */
export function ApiLimits() {
  const { workspace } = useWorkspace();
  return (
    <LimitSetting
      field="apiRateLimitPerMinute"
      current={workspace.apiRateLimitPerMinute}
      serverDefault={workspace.apiRateLimitDefault}
      max={100_000}
      title="API rate limit"
      description={`REST requests per minute for each API key of this workspace. Over the limit, requests get 429 with Retry-After. Server default: ${workspace.apiRateLimitDefault}.`}
      label="Requests per minute per key"
      id="settings-rate-limit"
    />
  );
}
