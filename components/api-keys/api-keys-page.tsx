"use client";

import { LockIcon, PlusIcon } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { ApiKeyDialog } from "./api-key-form";
import { ApiKeysTable } from "./api-keys-table";

export function ApiKeysPage() {
  const { can } = useWorkspace();
  const canCreate = can("api_keys:create");
  const [creating, setCreating] = useState(false);
  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        className="pb-0"
        title="API keys"
        description="Keys authenticate scripts against the REST API (Authorization: Bearer …). A key acts in this workspace with the scopes you pick, never beyond your own role."
        actions={
          canCreate ? (
            <Button onClick={() => setCreating(true)} data-testid="apikey-open">
              <PlusIcon aria-hidden />
              Create API key
            </Button>
          ) : null
        }
      />
      {canCreate ? <ApiKeyDialog open={creating} onOpenChange={setCreating} /> : null}
      {can("api_keys:read") ? (
        <ApiKeysTable onCreate={canCreate ? () => setCreating(true) : undefined} />
      ) : (
        <EmptyState icon={LockIcon} testId="no-access" title="No access" text="Your role cannot see the API keys of this workspace." />
      )}
    </div>
  );
}
