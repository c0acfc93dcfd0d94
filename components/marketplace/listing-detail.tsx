"use client";

import { DownloadIcon, MessageSquareIcon } from "lucide-react";
import type { ReactNode } from "react";
import type { z } from "zod";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Markdown } from "@/components/markdown/markdown";
import { LoadMore, type PagedList } from "@/components/ui/paged-list";
import type { ListingDetail, listingReviewSchema } from "@/lib/schemas/marketplace";
import { CATEGORY_LABELS, formatIsoDate, plural } from "./format";
import { ListingIcon } from "./listing-card";
import { ManifestView, SignatureBadge } from "./manifest-view";
import { RatingStars } from "./rating-stars";
import { type ReportInput, ReportButton } from "./report-dialog";
import { type ReviewInput, ReviewForm } from "./review-form";

export type ListingReview = z.infer<typeof listingReviewSchema>;

const STATUS_NOTES = {
  active: null,
  unpublished: "Unpublished by its publisher: existing installs keep working, new installs are closed.",
  removed: "Removed by the platform's operators: existing installs keep working, new installs are closed.",
} as const;

/**
 * A listing: who published it, its description (sanitised Markdown, no remote images), the permission manifest of
 * its newest version with the signature check, its versions and changelogs, reviews. Data and actions come in props.
 */
export function ListingDetailView({
  listing,
  reviews,
  canInstall,
  canReview,
  onInstall,
  onReview,
  onReport,
  actions,
}: {
  listing: ListingDetail;
  reviews: PagedList<ListingReview>;
  canInstall: boolean;
  /** rate, review and report (marketplace:install) */
  canReview: boolean;
  onInstall: () => void;
  onReview: (input: ReviewInput) => Promise<unknown>;
  onReport: (input: ReportInput) => Promise<unknown>;
  /** more buttons beside Install (the publisher's, a link to the installed copy) */
  actions?: ReactNode;
}) {
  const latest = listing.latest;
  const installable = listing.status === "active" && latest.verified;
  const statusNote = STATUS_NOTES[listing.status];
  return (
    <div className="grid gap-6" data-testid="listing-detail" data-listing-id={listing.id}>
      <header className="flex flex-wrap items-start gap-4">
        <ListingIcon icon={listing.icon} className="text-4xl" />
        <div className="grid min-w-0 flex-1 gap-1">
          <h1 className="text-2xl font-semibold tracking-tight" data-testid="listing-name">
            {listing.name}
          </h1>
          <p className="text-sm text-muted-foreground">{listing.summary}</p>
          <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-muted-foreground">
            <span data-testid="listing-provenance">
              Published by <strong className="text-foreground">{listing.publisherName}</strong> · v{listing.latestVersion} of{" "}
              {formatIsoDate(latest.publishedAt)}
            </span>
            <Badge tone="neutral">{listing.kind}</Badge>
            <span>{CATEGORY_LABELS[listing.category]}</span>
            <span className="inline-flex items-center gap-1">
              <DownloadIcon className="size-3.5" aria-hidden />
              {plural(listing.installCount, "install")}
            </span>
            <RatingStars average={listing.ratingAverage} count={listing.ratingCount} />
            {listing.tags.map((t) => (
              <span key={t} className="rounded-full border px-2 py-0.5">
                #{t}
              </span>
            ))}
          </div>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          {actions}
          {canInstall ? (
            <Button onClick={onInstall} disabled={!installable} data-testid="listing-install">
              <DownloadIcon aria-hidden />
              {listing.installs.length > 0 ? "Install again" : "Install"}
            </Button>
          ) : null}
          {listing.mine || !canReview ? null : <ReportButton listingId={listing.id} onReport={onReport} />}
        </div>
      </header>
      {statusNote ? (
        <p className="rounded-md border border-warning bg-warning/10 px-3 py-2 text-sm" data-testid="listing-status-note">
          {statusNote}
        </p>
      ) : null}
      {listing.installs.length > 0 ? (
        <p className="text-sm text-muted-foreground" data-testid="listing-installed-note">
          Installed here: {listing.installs.map((i) => `v${i.version}`).join(", ")}
        </p>
      ) : null}

      <div className="grid gap-6 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <div className="grid content-start gap-6">
          <Card title="About" testId="listing-description">
            {listing.description.trim() ? <Markdown text={listing.description} /> : <p className="text-sm text-muted-foreground">No description.</p>}
          </Card>
          <Card title="Versions" testId="listing-versions">
            <ol className="grid gap-3">
              {listing.versions.map((v) => (
                <li key={v.id} className="grid gap-1 border-b pb-3 last:border-b-0 last:pb-0" data-testid="listing-version">
                  <div className="flex flex-wrap items-center gap-2 text-sm">
                    <strong>v{v.version}</strong>
                    <span className="text-muted-foreground">{formatIsoDate(v.publishedAt)}</span>
                    {v.verified ? null : <Badge tone="danger">signature does not match</Badge>}
                  </div>
                  <p className="text-sm whitespace-pre-wrap">{v.changelog}</p>
                </li>
              ))}
            </ol>
          </Card>
          <Card title="Reviews" testId="listing-reviews">
            <div className="grid gap-4">
              {canReview && !listing.mine ? <ReviewForm listingId={listing.id} mine={listing.myReview} onSubmit={onReview} /> : null}
              <ReviewList reviews={reviews} />
            </div>
          </Card>
        </div>
        <Card
          title={`What v${latest.version} may do`}
          description="Computed by Cadre from the package, not declared by the publisher."
          testId="listing-manifest"
        >
          <div className="grid gap-4">
            <SignatureBadge verified={latest.verified} digest={latest.digest} keyId={latest.keyId} />
            <ManifestView manifest={latest.manifest} />
          </div>
        </Card>
      </div>
    </div>
  );
}

function ReviewList({ reviews }: { reviews: PagedList<ListingReview> }) {
  const items = reviews.data ?? [];
  if (reviews.isPending) return null;
  if (items.length === 0)
    return (
      <p className="flex items-center gap-2 text-sm text-muted-foreground" data-testid="reviews-empty">
        <MessageSquareIcon className="size-4" aria-hidden />
        No reviews yet.
      </p>
    );
  return (
    <>
      <ul className="grid gap-3">
        {items.map((r, i) => (
          // reviews are anonymous: no id to key on, and a page never reorders
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <li key={i} className="grid gap-1" data-testid="review" data-mine={String(r.mine)}>
            <div className="flex items-center gap-2">
              <RatingStars average={r.rating} />
              <span className="text-xs text-muted-foreground">{formatIsoDate(r.updatedAt)}</span>
              {r.mine ? <Badge tone="info">your workspace</Badge> : null}
            </div>
            {r.body ? <p className="text-sm whitespace-pre-wrap">{r.body}</p> : null}
          </li>
        ))}
      </ul>
      <LoadMore list={reviews} testId="reviews-more" />
    </>
  );
}
