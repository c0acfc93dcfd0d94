"use client";

import { useState } from "react";
import type { z } from "zod";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { FormControl, FormField, FormItem, FormLabel, FormMessage, useZodForm } from "@/components/ui/form";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { Textarea } from "@/components/ui/textarea";
import { LISTING_REPORT_REASONS, reportListingInputSchema } from "@/lib/schemas/marketplace";
import { DialogForm } from "./dialog-form";

export type ReportInput = z.output<typeof reportListingInputSchema>;

const REASON_LABELS: Record<(typeof LISTING_REPORT_REASONS)[number], string> = {
  malicious: "Malicious: it does harm or exfiltrates data",
  spam: "Spam",
  broken: "Broken: it does not work",
  inappropriate: "Inappropriate content",
  other: "Something else",
};

/** "Report" and its dialog: a reason and details for the platform's operators. */
export function ReportButton({ listingId, onReport }: { listingId: string; onReport: (input: ReportInput) => Promise<unknown> }) {
  const [open, setOpen] = useState(false);
  const [sent, setSent] = useState(false);
  const form = useZodForm(reportListingInputSchema, { defaultValues: { listing: listingId, reason: "broken", details: "" } });
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) setSent(false);
      }}
    >
      <DialogTrigger asChild>
        <Button variant="ghost" size="sm" data-testid="report-open">
          Report
        </Button>
      </DialogTrigger>
      <DialogContent data-testid="report-dialog">
        <DialogHeader>
          <DialogTitle>Report this listing</DialogTitle>
          <DialogDescription>The platform's operators review reports; the publisher sees how many, never who sent them.</DialogDescription>
        </DialogHeader>
        {sent ? (
          <p className="text-sm" data-testid="report-sent">
            Thank you: the report was sent.
          </p>
        ) : (
          <DialogForm
            form={form}
            onSubmit={async (v) => {
              await onReport(v);
              setSent(true);
            }}
            submit={
              <Button type="submit" disabled={form.formState.isSubmitting} data-testid="report-submit">
                Send report
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
                    <select {...field} className={SELECT_CLASS} data-testid="report-reason">
                      {LISTING_REPORT_REASONS.map((r) => (
                        <option key={r} value={r}>
                          {REASON_LABELS[r]}
                        </option>
                      ))}
                    </select>
                  </FormControl>
                  <FormMessage />
                </FormItem>
              )}
            />
            <FormField
              control={form.control}
              name="details"
              render={({ field }) => (
                <FormItem>
                  <FormLabel>Details (optional)</FormLabel>
                  <FormControl>
                    <Textarea {...field} value={field.value ?? ""} maxLength={2_000} data-testid="report-details" />
                  </FormControl>
                  <FormMessage />
                </FormItem>
              )}
            />
          </DialogForm>
        )}
      </DialogContent>
    </Dialog>
  );
}
