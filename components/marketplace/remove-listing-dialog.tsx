"use client";

import { ShieldAlertIcon } from "lucide-react";
import { useState } from "react";
import type { z } from "zod";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { FormControl, FormField, FormItem, FormLabel, FormMessage, useZodForm } from "@/components/ui/form";
import { Textarea } from "@/components/ui/textarea";
import { removeListingInputSchema } from "@/lib/schemas/marketplace";
import { DialogForm } from "./dialog-form";

export type RemoveListingInput = z.output<typeof removeListingInputSchema>;

/** A platform operator's "Remove listing" and its dialog: the reason is required and shown to the publisher. */
export function RemoveListingButton({
  listingId,
  listingName,
  onRemove,
}: {
  listingId: string;
  listingName: string;
  onRemove: (input: RemoveListingInput) => Promise<unknown>;
}) {
  const [open, setOpen] = useState(false);
  const form = useZodForm(removeListingInputSchema, { defaultValues: { listing: listingId, reason: "" } });
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="destructive" size="sm" data-testid="listing-remove-open">
          <ShieldAlertIcon aria-hidden />
          Remove listing
        </Button>
      </DialogTrigger>
      <DialogContent data-testid="remove-listing-dialog">
        <DialogHeader>
          <DialogTitle>Remove {listingName} from the marketplace?</DialogTitle>
          <DialogDescription>
            As a platform operator. It disappears from search and from its link, and cannot be installed or published again; the workspaces that installed it
            keep their copies. Its publisher sees the reason.
          </DialogDescription>
        </DialogHeader>
        <DialogForm
          form={form}
          onSubmit={async (v) => {
            await onRemove(v);
            setOpen(false);
          }}
          submit={
            <Button type="submit" variant="destructive" disabled={form.formState.isSubmitting} data-testid="listing-remove-submit">
              {form.formState.isSubmitting ? "Removing…" : "Remove listing"}
            </Button>
          }
        >
          <FormField
            control={form.control}
            name="reason"
            render={({ field }) => (
              <FormItem>
                <FormLabel>Reason</FormLabel>
                <FormControl>
                  <Textarea {...field} maxLength={1_000} placeholder="What it does wrong (the publisher reads this)" data-testid="listing-remove-reason" />
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
