"use client";

import type { z } from "zod";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { FormError } from "@/components/ui/form-error";
import { useZodForm } from "@/components/ui/form";
import { Loading } from "@/components/ui/loading";
import { type ListingDetail, updateListingInputSchema } from "@/lib/schemas/marketplace";
import { ListingDetailsFields } from "./listing-details-fields";
import { DialogForm } from "./dialog-form";

export type UpdateListingInput = z.output<typeof updateListingInputSchema>;

const DETAIL_FIELDS = ["name", "summary", "description", "category", "tags", "icon", "visibility"] as const;
type Details = Pick<ListingDetail, (typeof DETAIL_FIELDS)[number]>;

/** The patch of what differs from the listing as loaded: `{ listing }` alone when nothing changed. */
export function changedDetails(before: Details & { id: string }, after: UpdateListingInput): UpdateListingInput {
  const patch: UpdateListingInput = { listing: before.id };
  for (const field of DETAIL_FIELDS) {
    const value = after[field];
    if (value !== undefined && JSON.stringify(value) !== JSON.stringify(before[field])) Object.assign(patch, { [field]: value });
  }
  return patch;
}

/**
 * "Edit details" of a published listing: its name, summary, description, category, tags, icon and visibility (the
 * package itself changes only with a new version). Only the fields changed are sent. The listing is loaded by the caller.
 */
export function EditListingDialog({
  listing,
  loadError,
  open,
  onOpenChange,
  onUpdate,
}: {
  /** the listing as `marketplace.get` answers it; undefined while it loads */
  listing: ListingDetail | undefined;
  loadError?: string | null;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** rejects with the server's error, put on the fields */
  onUpdate: (input: UpdateListingInput) => Promise<unknown>;
}) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent data-testid="edit-listing-dialog" className="sm:max-w-2xl">
        <DialogHeader>
          <DialogTitle>Edit {listing ? listing.name : "the listing"}</DialogTitle>
          <DialogDescription>What the marketplace shows of it. What it installs changes only with a new version.</DialogDescription>
        </DialogHeader>
        {loadError ? (
          <FormError message={loadError} />
        ) : listing ? (
          <EditListingForm key={listing.id} listing={listing} onDone={() => onOpenChange(false)} onUpdate={onUpdate} />
        ) : (
          <Loading />
        )}
      </DialogContent>
    </Dialog>
  );
}

function EditListingForm({
  listing,
  onDone,
  onUpdate,
}: {
  listing: ListingDetail;
  onDone: () => void;
  onUpdate: (input: UpdateListingInput) => Promise<unknown>;
}) {
  const form = useZodForm(updateListingInputSchema, {
    defaultValues: {
      listing: listing.id,
      name: listing.name,
      summary: listing.summary,
      description: listing.description,
      category: listing.category,
      tags: listing.tags,
      icon: listing.icon,
      visibility: listing.visibility,
    },
  });
  return (
    <DialogForm
      form={form}
      testId="edit-listing-form"
      onSubmit={async (v) => {
        const patch = changedDetails(listing, v);
        if (Object.keys(patch).length > 1) await onUpdate(patch);
        onDone();
      }}
      submit={
        <Button type="submit" disabled={form.formState.isSubmitting} data-testid="edit-listing-submit">
          {form.formState.isSubmitting ? "Saving…" : "Save"}
        </Button>
      }
    >
      <ListingDetailsFields control={form.control} testIdPrefix="edit-listing" />
    </DialogForm>
  );
}
