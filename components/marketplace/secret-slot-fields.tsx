"use client";

import { PlusIcon } from "lucide-react";
import type { Control, FieldValues, Path } from "react-hook-form";
import { Button } from "@/components/ui/button";
import { FormControl, FormDescription, FormField, FormItem, FormLabel, FormMessage } from "@/components/ui/form";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { z } from "zod";

export interface SlotSecret {
  id: string;
  name: string;
}

export interface Slot {
  name: string;
  host: string | null;
  usedBy: string[];
}

/** The part of an install form that binds each slot: `secretBindings.<slot>` is one of the workspace's secret ids. */
export function slotBindingsSchema(slots: string[]) {
  return z.strictObject(Object.fromEntries(slots.map((s) => [s, z.string().min(1, "Choose one of your secrets for this slot")])));
}

/** One select per secret slot, listing the workspace's secrets, and "Create a new secret" beside them. */
export function SecretSlotFields<V extends FieldValues>({
  control,
  slots,
  secrets,
  onCreateSecret,
}: {
  control: Control<V>;
  slots: Slot[];
  /** undefined while loading, or when the role may not read the vault */
  secrets: SlotSecret[] | undefined;
  onCreateSecret?: () => void;
}) {
  if (slots.length === 0) return null;
  return (
    <fieldset className="grid gap-3" data-testid="install-slots">
      <legend className="mb-1 text-sm font-semibold">Bind each secret to one of yours</legend>
      {slots.map((slot) => (
        <FormField
          key={slot.name}
          control={control}
          name={`secretBindings.${slot.name}` as Path<V>}
          render={({ field }) => (
            <FormItem>
              <FormLabel>
                <code className="font-mono text-xs">{slot.name}</code>
              </FormLabel>
              <FormControl>
                <select {...field} value={field.value ?? ""} className={SELECT_CLASS} data-testid={`install-slot-${slot.name}`}>
                  <option value="">Choose a secret…</option>
                  {(secrets ?? []).map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name}
                    </option>
                  ))}
                </select>
              </FormControl>
              <FormDescription>
                {slot.host ? `Sent to ${slot.host}` : "Used by the package's tools"}
                {slot.usedBy.length > 0 ? ` (by ${slot.usedBy.join(", ")})` : ""}.
              </FormDescription>
              <FormMessage />
            </FormItem>
          )}
        />
      ))}
      {onCreateSecret ? (
        <div>
          <Button type="button" variant="outline" size="sm" onClick={onCreateSecret} data-testid="install-new-secret">
            <PlusIcon aria-hidden />
            Create a new secret
          </Button>
        </div>
      ) : null}
    </fieldset>
  );
}
