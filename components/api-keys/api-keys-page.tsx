"use client";

import { NoAccess } from "@/components/ui/loading";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { ApiKeyForm } from "./api-key-form";
import { ApiKeysTable } from "./api-keys-table";

export function ApiKeysPage() {
  const { can } = useWorkspace();
  return (
    <div className="page">
      <div className="page-header">
        <h1>API keys</h1>
      </div>
      {can("api_keys:create") ? <ApiKeyForm /> : null}
      {can("api_keys:read") ? <ApiKeysTable /> : <NoAccess>Your role cannot see the API keys of this workspace.</NoAccess>}
    </div>
  );
}
