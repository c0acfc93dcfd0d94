"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { toast } from "sonner";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { FormError } from "@/components/ui/form-error";
import { Loading, NoAccess } from "@/components/ui/loading";
import { SecretDialog } from "@/components/vault/secret-form";
import { useWorkspace } from "@/components/workspace/workspace-context";
import type { ListingInstallOut } from "@/lib/schemas/marketplace";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";
import { InstallDiffView } from "./install-diff";
import { InstalledList } from "./installed-list";
import { MarketplaceHeader } from "./marketplace-tabs";

/** The listings installed in this workspace, their updates (reviewed as a diff) and uninstalling. */
export function InstalledPage() {
  const { slug, can } = useWorkspace();
  const base = `/w/${slug}/marketplace`;
  return (
    <div className="grid gap-6">
      <MarketplaceHeader base={base} current="installed" canPublish={can("marketplace:publish")} />
      {can("marketplace:read") ? <Installed /> : <NoAccess>Your role cannot browse the marketplace.</NoAccess>}
    </div>
  );
}

function Installed() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug, can } = useWorkspace();
  const [reviewing, setReviewing] = useState<ListingInstallOut | null>(null);
  const installs = useQuery(trpc.marketplaceInstalls.list.queryOptions());
  const uninstall = useMutation(
    trpc.marketplaceInstalls.uninstall.mutationOptions({
      onSuccess: () => {
        toast.success("Uninstalled");
        return queryClient.invalidateQueries({ queryKey: trpc.marketplaceInstalls.pathKey() });
      },
      onError: (error) => toast.error(errorMessage(error)),
    }),
  );
  if (installs.isPending) return <Loading />;
  if (installs.isError) return <FormError message={errorMessage(installs.error)} />;
  return (
    <>
      <InstalledList
        installs={installs.data}
        canManage={can("marketplace:install")}
        rootHref={(i) => `/w/${slug}/${i.root.kind === "team" ? "teams" : "agents"}/${i.root.slug}`}
        listingHref={(i) => `/w/${slug}/marketplace/${i.listingId}`}
        onReviewUpdate={setReviewing}
        onUninstall={(i) => uninstall.mutateAsync({ install: i.id })}
      />
      <Dialog open={reviewing !== null} onOpenChange={(open) => (open ? null : setReviewing(null))}>
        <DialogContent className="sm:max-w-3xl" data-testid="update-dialog">
          <DialogHeader>
            <DialogTitle>Update {reviewing?.listingName}</DialogTitle>
            <DialogDescription>What the new version changes. Nothing updates until you choose to.</DialogDescription>
          </DialogHeader>
          {reviewing ? <UpdateReview install={reviewing} onDone={() => setReviewing(null)} /> : null}
        </DialogContent>
      </Dialog>
    </>
  );
}

function UpdateReview({ install, onDone }: { install: ListingInstallOut; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useWorkspace();
  const [creatingSecret, setCreatingSecret] = useState(false);
  const diff = useQuery(trpc.marketplaceInstalls.diff.queryOptions({ install: install.id, version: install.latestVersion }));
  const consent = useQuery(trpc.marketplaceInstalls.consent.queryOptions({ listing: install.listingId, version: install.latestVersion }));
  const secrets = useQuery({ ...trpc.secrets.list.queryOptions({ limit: 200 }), enabled: can("secrets:read") });
  const update = useMutation(
    trpc.marketplaceInstalls.update.mutationOptions({
      onSuccess: async (done) => {
        toast.success(`Updated to v${done.version}`);
        await queryClient.invalidateQueries({ queryKey: trpc.marketplaceInstalls.pathKey() });
        onDone();
      },
    }),
  );
  // the new version's slots come with its consent: the form is built once both are here
  if (diff.isPending || consent.isPending) return <Loading />;
  if (diff.isError) return <FormError message={errorMessage(diff.error)} />;
  return (
    <div className="max-h-[70vh] overflow-y-auto">
      <InstallDiffView
        install={install}
        diff={diff.data}
        manifest={consent.data?.manifest}
        slots={consent.data?.secretSlots}
        secrets={secrets.data?.items}
        canUpdate={can("marketplace:install")}
        onCreateSecret={can("secrets:create") ? () => setCreatingSecret(true) : undefined}
        onUpdate={(input) => update.mutateAsync(input)}
      />
      <SecretDialog open={creatingSecret} onOpenChange={setCreatingSecret} />
    </div>
  );
}
