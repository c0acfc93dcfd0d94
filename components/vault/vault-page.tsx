"use client";

import { LockIcon, PlusIcon } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { SecretDialog } from "./secret-form";
import { SecretsTable } from "./secrets-table";

export function VaultPage() {
  const { can } = useWorkspace();
  const canCreate = can("secrets:create");
  const [adding, setAdding] = useState(false);
  const add = canCreate ? () => setAdding(true) : undefined;
  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        className="pb-0"
        title="Vault"
        description="Provider keys and tool credentials, encrypted at rest. Values are write-only: once saved, nobody (you included) can read them back here or through the API; Cadre decrypts them only to make the calls that use them."
        actions={
          canCreate ? (
            <Button onClick={() => setAdding(true)} data-testid="secret-open">
              <PlusIcon aria-hidden />
              Add secret
            </Button>
          ) : null
        }
      />
      {canCreate ? <SecretDialog open={adding} onOpenChange={setAdding} /> : null}
      {can("secrets:read") ? (
        <SecretsTable onAdd={add} />
      ) : (
        <EmptyState icon={LockIcon} testId="no-access" title="No access" text="Your role cannot see the secrets of this workspace." />
      )}
    </div>
  );
}
