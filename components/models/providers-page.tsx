"use client";

import { NoAccess } from "@/components/ui/loading";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { ProviderForm } from "./provider-form";
import { ProvidersTable } from "./providers-table";

export function ProvidersPage() {
  const { can } = useWorkspace();
  return (
    <div className="page">
      <div className="page-header">
        <h1>Providers</h1>
      </div>
      {can("models:manage") ? <ProviderForm /> : null}
      {can("models:read") ? <ProvidersTable /> : <NoAccess>Your role cannot see the model providers of this workspace.</NoAccess>}
    </div>
  );
}
