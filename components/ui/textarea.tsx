"use client";

import { type ComponentProps, useId, useState } from "react";
import { cn } from "@/lib/cn";

/**
 * A multi-line text field. With `maxLength` it shows a counter ("12 / 500") under itself, announced politely to
 * screen readers and linked to the field with aria-describedby.
 */
/** The look of a multi-line field (for a plain <textarea> where the counter is not wanted). */
export const textareaClasses =
  "flex field-sizing-content min-h-16 w-full rounded-md border border-input bg-transparent px-3 py-2 text-base shadow-xs transition-[color,box-shadow] outline-none placeholder:text-muted-foreground disabled:cursor-not-allowed disabled:opacity-50 md:text-sm dark:bg-input/30 focus-visible:border-ring focus-visible:ring-[3px] focus-visible:ring-ring/50 aria-invalid:border-destructive aria-invalid:ring-destructive/20 dark:aria-invalid:ring-destructive/40";

export function Textarea({ className, maxLength, value, defaultValue, onChange, "aria-describedby": describedBy, ...props }: ComponentProps<"textarea">) {
  const counterId = useId();
  const [uncontrolled, setUncontrolled] = useState(String(defaultValue ?? ""));
  const length = (value !== undefined ? String(value) : uncontrolled).length;
  const field = (
    <textarea
      data-slot="textarea"
      className={cn(textareaClasses, className)}
      maxLength={maxLength}
      value={value}
      defaultValue={defaultValue}
      aria-describedby={maxLength === undefined ? describedBy : cn(describedBy, counterId)}
      onChange={(e) => {
        if (value === undefined) setUncontrolled(e.target.value);
        onChange?.(e);
      }}
      {...props}
    />
  );
  if (maxLength === undefined) return field;
  return (
    <div data-slot="textarea-wrapper" className="grid gap-1">
      {field}
      <p
        id={counterId}
        data-slot="textarea-counter"
        aria-live="polite"
        className={cn("text-right text-xs tabular-nums text-muted-foreground", length >= maxLength && "text-destructive")}
      >
        {length} / {maxLength}
      </p>
    </div>
  );
}
