"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import { NoAccess } from "@/components/ui/loading";
import { PageHeader } from "@/components/ui/page-header";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { errorMessage, isTrpcError } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";
import { type PackageKnowledge, PublishForm, type PublishSource } from "./publish-form";

/** Publishing an agent or a team as a listing (admins and owners). */
export function PublishPage() {
  const { can } = useWorkspace();
  return (
    <div className="grid gap-6">
      <PageHeader
        className="pb-0"
        title="Publish to the marketplace"
        description="Cadre builds the package from the agent or team (never secrets, model ids, memories or people), computes what it may do, and signs it."
      />
      {can("marketplace:publish") ? <Publish /> : <NoAccess>Only admins and owners publish to the marketplace.</NoAccess>}
    </div>
  );
}

function Publish() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const { slug } = useWorkspace();
  const [source, setSource] = useState<PublishSource | null>(null);
  const agents = useQuery(trpc.agents.list.queryOptions({ limit: 200 }));
  const teams = useQuery(trpc.teams.list.queryOptions({ limit: 200 }));
  const [knowledge, setKnowledge] = useState<PackageKnowledge[]>([]);
  const onKnowledgeChange = useCallback(
    (next: PackageKnowledge[]) => setKnowledge((prev) => (JSON.stringify(prev) === JSON.stringify(next) ? prev : next)),
    [],
  );
  // a mutation (a POST) although it writes nothing: the documents can be far larger than a URL may be
  const preview = useMutation(trpc.marketplace.preview.mutationOptions());
  const { mutate: runPreview, reset: resetPreview } = preview;
  useEffect(() => {
    if (source) runPreview({ source, knowledge });
    else resetPreview();
  }, [source, knowledge, runPreview, resetPreview]);
  const publish = useMutation(
    trpc.marketplace.publish.mutationOptions({
      onSuccess: async (listing) => {
        await queryClient.invalidateQueries({ queryKey: trpc.marketplace.pathKey() });
        router.push(`/w/${slug}/marketplace/${listing.id}`);
      },
    }),
  );
  return (
    <PublishForm
      agents={agents.data?.items ?? []}
      teams={teams.data?.items ?? []}
      onSourceChange={setSource}
      onKnowledgeChange={onKnowledgeChange}
      preview={source ? preview.data : undefined}
      previewPending={source !== null && preview.isPending}
      previewError={preview.isError ? errorMessage(preview.error) : null}
      previewIssues={preview.isError && isTrpcError(preview.error) ? (preview.error.data?.issues ?? []) : []}
      onPublish={(input) => publish.mutateAsync(input)}
    />
  );
}
