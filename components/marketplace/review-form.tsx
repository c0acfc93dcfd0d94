"use client";

import { StarIcon } from "lucide-react";
import type { z } from "zod";
import { Button } from "@/components/ui/button";
import { applyServerErrors, Form, FormControl, FormField, FormItem, FormLabel, FormMessage, FormRootError, useZodForm } from "@/components/ui/form";
import { Textarea } from "@/components/ui/textarea";
import { cn } from "@/lib/cn";
import { reviewListingInputSchema } from "@/lib/schemas/marketplace";

export type ReviewInput = z.output<typeof reviewListingInputSchema>;

/** The workspace's review of a listing (one per workspace; editable): 1 to 5 stars and a text. */
export function ReviewForm({
  listingId,
  mine,
  onSubmit,
}: {
  listingId: string;
  mine: { rating: number; body: string } | null;
  /** rejects with the server's error, shown on the fields */
  onSubmit: (input: ReviewInput) => Promise<unknown>;
}) {
  const form = useZodForm(reviewListingInputSchema, { defaultValues: { listing: listingId, rating: mine?.rating ?? 0, body: mine?.body ?? "" } });
  return (
    <Form {...form}>
      <form
        className="grid gap-3"
        noValidate
        data-testid="review-form"
        onSubmit={form.handleSubmit(async (v) => {
          try {
            await onSubmit(v);
            form.reset(v);
          } catch (error) {
            applyServerErrors(form, error);
          }
        })}
      >
        <FormField
          control={form.control}
          name="rating"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Your rating</FormLabel>
              <FormControl>
                <div role="radiogroup" className="flex gap-1" onBlur={field.onBlur} data-testid="review-rating">
                  {[1, 2, 3, 4, 5].map((n) => (
                    // biome-ignore lint/a11y/useSemanticElements: a row of star buttons reads better than radio inputs
                    <button
                      key={n}
                      type="button"
                      role="radio"
                      aria-checked={field.value === n}
                      aria-label={`${n} star${n === 1 ? "" : "s"}`}
                      onClick={() => field.onChange(n)}
                      className="rounded p-0.5 focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none"
                      data-testid={`review-star-${n}`}
                    >
                      <StarIcon className={cn("size-5", n <= (field.value ?? 0) ? "fill-amber-400 text-amber-400" : "text-muted-foreground/50")} aria-hidden />
                    </button>
                  ))}
                </div>
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={form.control}
          name="body"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Review (optional)</FormLabel>
              <FormControl>
                <Textarea {...field} value={field.value ?? ""} maxLength={4_000} placeholder="What did it do well? What not?" data-testid="review-body" />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormRootError />
        <div>
          <Button type="submit" disabled={form.formState.isSubmitting} data-testid="review-submit">
            {form.formState.isSubmitting ? "Saving…" : mine ? "Update review" : "Post review"}
          </Button>
        </div>
      </form>
    </Form>
  );
}
