"use client";

import { type ComponentProps, type ReactNode, useState } from "react";
import type { Control, ControllerRenderProps } from "react-hook-form";
import type { z } from "zod";
import { FormControl, FormDescription, FormField, FormItem, FormLabel, FormMessage } from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { Textarea } from "@/components/ui/textarea";
import { LISTING_CATEGORIES, type updateListingInputSchema } from "@/lib/schemas/marketplace";
import { CATEGORY_LABELS } from "./format";

/** The listing's details as both the publish form and "Edit details" hold them (the edit form's, all optional). */
export type ListingDetailsValues = Pick<
  z.input<typeof updateListingInputSchema>,
  "icon" | "name" | "summary" | "description" | "category" | "tags" | "visibility"
>;

/** "Research, writing" -> ["research", "writing"] (what the tags field holds while typed) */
export function parseTags(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((t) => t.trim().toLowerCase().replace(/^#/, ""))
    .filter(Boolean);
}

/** The message of an array field's first refused item (FormMessage shows the array's own message only). */
function firstItemError(errors: unknown): string | undefined {
  if (!Array.isArray(errors)) return undefined;
  return (errors.find((e) => e?.message) as { message?: string } | undefined)?.message;
}

/**
 * The listing's details (icon, name, summary, description, category, tags, visibility) in a publish or edit form;
 * each control's test id is `<testIdPrefix>-<field>`. `besideName` stands in the first row after the name (the slug).
 */
export function ListingDetailsFields<V extends ListingDetailsValues>({
  control,
  testIdPrefix,
  besideName,
}: {
  control: Control<V>;
  testIdPrefix: string;
  besideName?: ReactNode;
}) {
  // V holds these fields with these types (or narrower): FormField's names and values are typed on the subset
  const details = control as unknown as Control<ListingDetailsValues>;
  const id = (field: string) => `${testIdPrefix}-${field}`;
  return (
    <>
      <div className={besideName ? "grid gap-4 sm:grid-cols-[5rem_1fr_1fr]" : "grid gap-4 sm:grid-cols-[5rem_1fr]"}>
        <FormField
          control={details}
          name="icon"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Icon</FormLabel>
              <FormControl>
                <Input {...field} value={field.value ?? ""} placeholder="🤖" maxLength={8} className="text-center text-lg" data-testid={id("icon")} />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={details}
          name="name"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Name</FormLabel>
              <FormControl>
                <Input {...field} value={field.value ?? ""} maxLength={100} data-testid={id("name")} />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        {besideName}
      </div>
      <FormField
        control={details}
        name="summary"
        render={({ field }) => (
          <FormItem>
            <FormLabel>Summary</FormLabel>
            <FormControl>
              <Input {...field} value={field.value ?? ""} maxLength={200} placeholder="One line: what it does for whom" data-testid={id("summary")} />
            </FormControl>
            <FormMessage />
          </FormItem>
        )}
      />
      <FormField
        control={details}
        name="description"
        render={({ field }) => (
          <FormItem>
            <FormLabel>Description (Markdown)</FormLabel>
            <FormControl>
              <Textarea {...field} value={field.value ?? ""} maxLength={20_000} className="min-h-32" data-testid={id("description")} />
            </FormControl>
            <FormDescription>Rendered sanitised: no HTML, images shown as their address only.</FormDescription>
            <FormMessage />
          </FormItem>
        )}
      />
      <div className="grid gap-4 sm:grid-cols-3">
        <FormField
          control={details}
          name="category"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Category</FormLabel>
              <FormControl>
                <select {...field} className={SELECT_CLASS} data-testid={id("category")}>
                  {LISTING_CATEGORIES.map((c) => (
                    <option key={c} value={c}>
                      {CATEGORY_LABELS[c]}
                    </option>
                  ))}
                </select>
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={details}
          name="tags"
          render={({ field, fieldState }) => (
            <FormItem>
              <FormLabel>Tags</FormLabel>
              <FormControl>
                <TagsInput field={field} testId={id("tags")} />
              </FormControl>
              <FormMessage />
              {firstItemError(fieldState.error) ? (
                <p className="text-sm text-destructive" data-testid={id("tags-error")}>
                  {firstItemError(fieldState.error)}
                </p>
              ) : null}
            </FormItem>
          )}
        />
        <FormField
          control={details}
          name="visibility"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Visibility</FormLabel>
              <FormControl>
                <select {...field} className={SELECT_CLASS} data-testid={id("visibility")}>
                  <option value="public">Public: every workspace finds it</option>
                  <option value="unlisted">Unlisted: only with its link</option>
                </select>
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
      </div>
    </>
  );
}

/** The tags as typed ("research, web"), starting from the form's tags; the form holds the parsed list. FormControl's id and aria props pass through. */
function TagsInput({
  field,
  testId,
  ...slotProps
}: Omit<ComponentProps<typeof Input>, "value" | "onChange" | "onBlur"> & {
  field: ControllerRenderProps<ListingDetailsValues, "tags">;
  testId: string;
}) {
  const [text, setText] = useState(() => (field.value ?? []).join(", "));
  return (
    <Input
      {...slotProps}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        field.onChange(parseTags(e.target.value));
      }}
      onBlur={field.onBlur}
      placeholder="research, web"
      data-testid={testId}
    />
  );
}
