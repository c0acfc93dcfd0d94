"use client";

import { LockIcon } from "lucide-react";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { CreateDialog } from "@/components/ui/create-dialog";
import { ProviderForm } from "./provider-form";
import { ProvidersTable } from "./providers-table";

export function ProvidersPage() {
  const { can } = useWorkspace();
  return (
    <div className="grid gap-6">
      <PageHeader
        title="Providers"
        description="Every model call goes through one of these. The simulator answers offline when nothing else is configured."
        actions={
          can("models:manage") ? (
            <CreateDialog
              label="New provider"
              title="Add a provider"
              description="Connect OpenAI, Anthropic, Azure OpenAI, Amazon Bedrock, Google (Gemini API, Vertex AI), Mistral or any OpenAI-compatible server (Ollama, vLLM, LM Studio, OpenRouter…). Keys live in the vault."
              testId="provider-new"
            >
              {(close) => <ProviderForm onDone={close} />}
            </CreateDialog>
          ) : null
        }
      />
      {can("models:read") ? (
        <ProvidersTable />
      ) : (
        <EmptyState icon={LockIcon} title="No access" text="Your role cannot see the model providers of this workspace." testId="providers-no-access" />
      )}
    </div>
  );
}
