"use client";

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useDocumentTitle } from "@/components/shell/use-document-title";
import { CopyButton } from "@/components/ui/copy-button";
import { nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { ResourcePage } from "@/components/ui/resource-page";
import { SecretDialog } from "@/components/vault/secret-form";
import { useWorkspace } from "@/components/workspace/workspace-context";
import type { ListingDetail, ListingInstallOut } from "@/lib/schemas/marketplace";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";
import { InstallDialog } from "./install-dialog";
import { ListingDetailView } from "./listing-detail";
import { shareLink } from "./marketplace-tabs";
import { RemoveListingButton } from "./remove-listing-dialog";

/** The page of a listing (by id, or by an unlisted listing's link token): detail, reviews, install. */
export function ListingPage({ listing: ref }: { listing: string }) {
  const trpc = useTRPC();
  const { slug, can } = useWorkspace();
  const query = useQuery(trpc.marketplace.get.queryOptions({ listing: ref }));
  useDocumentTitle([query.data?.name, "Marketplace"]);
  return (
    <ResourcePage
      readable={can("marketplace:read")}
      noAccess="Your role cannot browse the marketplace."
      query={query}
      notFound="No such listing (or it is not shared with this workspace)."
      backHref={`/w/${slug}/marketplace`}
      backLabel="Back to the marketplace"
    >
      {(listing) => <Listing listing={listing} refInput={ref} />}
    </ResourcePage>
  );
}

function Listing({ listing, refInput }: { listing: ListingDetail; refInput: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug, can } = useWorkspace();
  const [installing, setInstalling] = useState(false);
  const [installed, setInstalled] = useState<ListingInstallOut | null>(null);
  const [creatingSecret, setCreatingSecret] = useState(false);
  // by the reference the page was opened with: an unlisted listing is readable by its link token
  const reviews = usePagedList(useInfiniteQuery(trpc.marketplace.reviews.infiniteQueryOptions({ listing: refInput }, { getNextPageParam: nextPageParam })));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.marketplace.pathKey() });
  const review = useMutation(trpc.marketplace.review.mutationOptions({ onSuccess: refresh }));
  const report = useMutation(trpc.marketplace.report.mutationOptions());
  const viewer = useQuery(trpc.marketplace.viewer.queryOptions());
  const getKey = trpc.marketplace.get.queryKey({ listing: refInput });
  const remove = useMutation(
    trpc.marketplace.remove.mutationOptions({
      onSuccess: async () => {
        // a removed listing is no longer readable here unless this workspace published or installed it: show it as
        // removed from what the page holds rather than reloading it
        queryClient.setQueryData(getKey, (old) => (old ? { ...old, status: "removed" as const } : old));
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.marketplace.search.pathKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.marketplace.mine.pathKey() }),
        ]);
      },
    }),
  );
  const consent = useQuery({ ...trpc.marketplaceInstalls.consent.queryOptions({ listing: refInput }), enabled: installing && !installed });
  const canReadSecrets = can("secrets:read");
  const secrets = useQuery({ ...trpc.secrets.list.queryOptions({ limit: 200 }), enabled: installing && canReadSecrets });
  const install = useMutation(
    trpc.marketplaceInstalls.install.mutationOptions({
      onSuccess: async (done) => {
        setInstalled(done);
        await Promise.all([refresh(), queryClient.invalidateQueries({ queryKey: trpc.marketplaceInstalls.pathKey() })]);
      },
    }),
  );
  const base = `/w/${slug}`;
  return (
    <>
      <ListingDetailView
        listing={listing}
        reviews={reviews}
        canInstall={can("marketplace:install")}
        canReview={can("marketplace:install")}
        onInstall={() => {
          setInstalled(null);
          setInstalling(true);
        }}
        onReview={(input) => review.mutateAsync(input)}
        onReport={(input) => report.mutateAsync(input)}
        actions={
          <>
            <Link href={`${base}/marketplace`} className="text-sm underline underline-offset-4">
              All listings
            </Link>
            {listing.mine ? (
              <CopyButton
                text={shareLink(typeof window === "undefined" ? "" : window.location.origin, {
                  id: listing.id,
                  linkToken: listing.visibility === "unlisted" ? listing.linkToken : null,
                })}
                label={listing.visibility === "unlisted" ? "Copy the unlisted link" : "Copy link"}
                testId="listing-copy-link"
              />
            ) : null}
            {viewer.data?.operator && listing.status !== "removed" ? (
              <RemoveListingButton listingId={listing.id} listingName={listing.name} onRemove={(input) => remove.mutateAsync(input)} />
            ) : null}
          </>
        }
      />
      {can("marketplace:install") ? (
        <InstallDialog
          open={installing}
          onOpenChange={setInstalling}
          listing={refInput}
          listingName={listing.name}
          consent={consent.data}
          consentError={consent.isError ? errorMessage(consent.error) : null}
          secrets={secrets.data?.items}
          onCreateSecret={can("secrets:create") ? () => setCreatingSecret(true) : undefined}
          onInstall={(input) => install.mutateAsync(input)}
          installed={installed}
          installedHref={(i) => `${base}/${i.root.kind === "team" ? "teams" : "agents"}/${i.root.slug}`}
        />
      ) : null}
      <SecretDialog open={creatingSecret} onOpenChange={setCreatingSecret} />
    </>
  );
}
