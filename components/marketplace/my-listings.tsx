"use client";

import { FlagIcon, StoreIcon } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import type { z } from "zod";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { useConfirm } from "@/components/ui/confirm";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { FormControl, FormField, FormItem, FormLabel, FormMessage, useZodForm } from "@/components/ui/form";
import { Textarea } from "@/components/ui/textarea";
import { type ListingStatus, type MyListing, publishVersionInputSchema } from "@/lib/schemas/marketplace";
import { formatIsoDate, plural } from "./format";
import { ListingIcon } from "./listing-card";
import { DialogForm } from "./dialog-form";
import { RatingStars } from "./rating-stars";

export type { MyListing };
export type PublishVersionInput = z.output<typeof publishVersionInputSchema>;

const STATUS_TONES: Record<ListingStatus, "success" | "warning" | "danger"> = { active: "success", unpublished: "warning", removed: "danger" };

/** Copies the listing's shareable link. */
function CopyLinkButton({ getLink }: { getLink: () => Promise<string> }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <Button
      size="sm"
      variant="outline"
      data-testid="my-listing-copy"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(await getLink());
          setState("copied");
        } catch {
          setState("failed");
        }
        setTimeout(() => setState("idle"), 2000);
      }}
    >
      {state === "copied" ? "Copied" : state === "failed" ? "Could not copy" : "Copy link"}
    </Button>
  );
}

function NewVersionDialog({
  listing,
  open,
  onOpenChange,
  onPublishVersion,
}: {
  listing: MyListing;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onPublishVersion: (input: PublishVersionInput) => Promise<unknown>;
}) {
  const form = useZodForm(publishVersionInputSchema, { defaultValues: { listing: listing.id, changelog: "" } });
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent data-testid="new-version-dialog">
        <DialogHeader>
          <DialogTitle>
            Publish v{listing.latestVersion + 1} of {listing.name}
          </DialogTitle>
          <DialogDescription>
            Cadre packages the source's current version again and signs it. Installers see the changes and update when they choose.
          </DialogDescription>
        </DialogHeader>
        <DialogForm
          form={form}
          onSubmit={async (v) => {
            await onPublishVersion(v);
            form.reset({ listing: listing.id, changelog: "" });
            onOpenChange(false);
          }}
          submit={
            <Button type="submit" disabled={form.formState.isSubmitting} data-testid="new-version-submit">
              {form.formState.isSubmitting ? "Publishing…" : "Publish version"}
            </Button>
          }
        >
          <FormField
            control={form.control}
            name="changelog"
            render={({ field }) => (
              <FormItem>
                <FormLabel>Changelog</FormLabel>
                <FormControl>
                  <Textarea {...field} maxLength={5_000} placeholder="What changed for installers" data-testid="new-version-changelog" />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
        </DialogForm>
      </DialogContent>
    </Dialog>
  );
}

function MyListingRow({
  listing,
  href,
  canPublish,
  getLink,
  onPublishVersion,
  onUnpublish,
  onRepublish,
  onEdit,
}: {
  listing: MyListing;
  href: string;
  canPublish: boolean;
  getLink: () => Promise<string>;
  onPublishVersion: (input: PublishVersionInput) => Promise<unknown>;
  onUnpublish: () => Promise<unknown>;
  onRepublish: () => Promise<unknown>;
  onEdit?: () => void;
}) {
  const confirm = useConfirm();
  const [versioning, setVersioning] = useState(false);
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await action();
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="flex flex-wrap items-center gap-4 rounded-lg border p-4" data-testid="my-listing" data-listing-id={listing.id}>
      <ListingIcon icon={listing.icon} />
      <div className="grid min-w-48 flex-1 gap-1">
        <div className="flex flex-wrap items-center gap-2">
          <Link href={href} className="font-semibold hover:underline">
            {listing.name}
          </Link>
          <Badge tone={STATUS_TONES[listing.status]} testId="my-listing-status">
            {listing.status}
          </Badge>
          {listing.visibility === "unlisted" ? <Badge tone="neutral">unlisted</Badge> : null}
          <span className="text-xs text-muted-foreground">
            v{listing.latestVersion} · {formatIsoDate(listing.updatedAt)}
          </span>
        </div>
        <div className="flex flex-wrap items-center gap-3 text-xs text-muted-foreground">
          <span data-testid="my-listing-installs">{plural(listing.installCount, "install")}</span>
          <RatingStars average={listing.ratingAverage} count={listing.ratingCount} />
          <span
            className={listing.reports > 0 ? "inline-flex items-center gap-1 text-destructive" : "inline-flex items-center gap-1"}
            data-testid="my-listing-reports"
          >
            <FlagIcon className="size-3" aria-hidden />
            {plural(listing.reports, "report")}
          </span>
        </div>
        {listing.removedReason ? (
          <p className="text-xs text-destructive" data-testid="my-listing-removed-reason">
            Removed by the platform's operators: {listing.removedReason}
          </p>
        ) : null}
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <CopyLinkButton getLink={getLink} />
        {canPublish && listing.status !== "removed" ? (
          <>
            {onEdit ? (
              <Button size="sm" variant="outline" onClick={onEdit} data-testid="my-listing-edit">
                Edit details
              </Button>
            ) : null}
            <Button size="sm" variant="outline" onClick={() => setVersioning(true)} data-testid="my-listing-new-version">
              New version
            </Button>
            {listing.status === "active" ? (
              <Button
                size="sm"
                variant="ghost"
                disabled={busy}
                data-testid="my-listing-unpublish"
                onClick={async () => {
                  const ok = await confirm({
                    title: `Unpublish ${listing.name}?`,
                    description: "It disappears from the marketplace and cannot be installed; the workspaces that installed it keep their copies.",
                    confirmLabel: "Unpublish",
                    destructive: true,
                  });
                  if (ok) await run(onUnpublish);
                }}
              >
                Unpublish
              </Button>
            ) : (
              <Button size="sm" variant="ghost" disabled={busy} data-testid="my-listing-republish" onClick={() => run(onRepublish)}>
                Republish
              </Button>
            )}
            <NewVersionDialog listing={listing} open={versioning} onOpenChange={setVersioning} onPublishVersion={onPublishVersion} />
          </>
        ) : null}
      </div>
    </li>
  );
}

/** The workspace's own listings, with what a publisher may know: installs, ratings, reports (never who). */
export function MyListings({
  listings,
  canPublish,
  hrefFor,
  linkFor,
  onPublishVersion,
  onUnpublish,
  onRepublish,
  onEdit,
}: {
  listings: MyListing[];
  canPublish: boolean;
  hrefFor: (listing: MyListing) => string;
  linkFor: (listing: MyListing) => Promise<string>;
  onPublishVersion: (input: PublishVersionInput) => Promise<unknown>;
  onUnpublish: (listing: MyListing) => Promise<unknown>;
  onRepublish: (listing: MyListing) => Promise<unknown>;
  /** opens the "Edit details" dialog (publishers only) */
  onEdit?: (listing: MyListing) => void;
}) {
  if (listings.length === 0)
    return (
      <EmptyState
        icon={StoreIcon}
        testId="my-listings-empty"
        title="Nothing published yet"
        text="Publish an agent or a team for other workspaces to install."
      />
    );
  return (
    <ul className="grid gap-3" data-testid="my-listings">
      {listings.map((l) => (
        <MyListingRow
          key={l.id}
          listing={l}
          href={hrefFor(l)}
          canPublish={canPublish}
          getLink={() => linkFor(l)}
          onPublishVersion={onPublishVersion}
          onUnpublish={() => onUnpublish(l)}
          onRepublish={() => onRepublish(l)}
          onEdit={onEdit ? () => onEdit(l) : undefined}
        />
      ))}
    </ul>
  );
}
