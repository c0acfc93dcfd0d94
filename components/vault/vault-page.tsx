"use client";

import { NoAccess } from "@/components/ui/loading";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { SecretForm } from "./secret-form";
import { SecretsTable } from "./secrets-table";

export function VaultPage() {
  const { can } = useWorkspace();
  return (
    <div className="page">
      <div className="page-header">
        <h1>Vault</h1>
        <p className="muted">
          Provider keys and tool credentials, encrypted at rest. Values are write-only: once saved, nobody (you included) can read them back here or through the
          API; Cadre decrypts them only to make the calls that use them.
        </p>
      </div>
      {can("secrets:create") ? <SecretForm /> : null}
      {can("secrets:read") ? <SecretsTable /> : <NoAccess>Your role cannot see the secrets of this workspace.</NoAccess>}
    </div>
  );
}
