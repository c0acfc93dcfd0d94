"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { FormError } from "@/components/ui/form-error";
import { Loading, NoAccess } from "@/components/ui/loading";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";
import { MarketplaceHeader, shareLink } from "./marketplace-tabs";
import { EditListingDialog } from "./edit-listing-dialog";
import { type MyListing, MyListings } from "./my-listings";

/** The workspace's own listings, as their publisher. */
export function MyListingsPage() {
  const { slug, can } = useWorkspace();
  const base = `/w/${slug}/marketplace`;
  return (
    <div className="grid gap-6">
      <MarketplaceHeader base={base} current="mine" canPublish={can("marketplace:publish")} />
      {can("marketplace:read") ? <Mine base={base} /> : <NoAccess>Your role cannot browse the marketplace.</NoAccess>}
    </div>
  );
}

function Mine({ base }: { base: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useWorkspace();
  const mine = useQuery(trpc.marketplace.mine.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.marketplace.pathKey() });
  const publishVersion = useMutation(trpc.marketplace.publishVersion.mutationOptions({ onSuccess: refresh }));
  const unpublish = useMutation(trpc.marketplace.unpublish.mutationOptions({ onSuccess: refresh }));
  const republish = useMutation(trpc.marketplace.republish.mutationOptions({ onSuccess: refresh }));
  const update = useMutation(trpc.marketplace.update.mutationOptions({ onSuccess: refresh }));
  const canPublish = can("marketplace:publish");
  const [editing, setEditing] = useState<MyListing | null>(null);
  // the description is not in the list: the dialog loads the listing
  const editDetail = useQuery({ ...trpc.marketplace.get.queryOptions({ listing: editing?.id ?? "" }), enabled: editing !== null });
  if (mine.isPending) return <Loading />;
  if (mine.isError) return <FormError message={errorMessage(mine.error)} />;
  return (
    <>
      {canPublish ? (
        <EditListingDialog
          open={editing !== null}
          onOpenChange={(open) => {
            if (!open) setEditing(null);
          }}
          listing={editing && editDetail.data?.id === editing.id ? editDetail.data : undefined}
          loadError={editDetail.isError ? errorMessage(editDetail.error) : null}
          onUpdate={(input) => update.mutateAsync(input)}
        />
      ) : null}
      <MyListings
        listings={mine.data}
        canPublish={canPublish}
        hrefFor={(l) => `${base}/${l.id}`}
        // an unlisted listing is reached only by its link token
        linkFor={async (l) => shareLink(window.location.origin, { id: l.id, linkToken: l.visibility === "unlisted" ? l.linkToken : null })}
        onPublishVersion={(input) => publishVersion.mutateAsync(input)}
        onUnpublish={(l) => unpublish.mutateAsync({ listing: l.id })}
        onRepublish={(l) => republish.mutateAsync({ listing: l.id })}
        onEdit={canPublish ? setEditing : undefined}
      />
    </>
  );
}
