"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { ChangeEvent } from "react";
import { type FieldValues, type UseFormReturn, useWatch } from "react-hook-form";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import {
  applyServerErrors,
  Form,
  FormControl,
  FormDescription,
  FormField,
  FormItem,
  FormLabel,
  FormMessage,
  FormRootError,
  useZodForm,
} from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { textareaClasses } from "@/components/ui/textarea";
import {
  createMemoryInputSchema,
  MEMORY_CONTENT_MAX,
  MEMORY_KINDS,
  MEMORY_SCOPE_ID_MAX,
  MEMORY_SCOPE_TYPES,
  type MemoryOutput,
  updateMemoryInputSchema,
} from "@/lib/schemas/memory";
import { useTRPC } from "@/lib/trpc/react";

export const KIND_TEXT: Record<(typeof MEMORY_KINDS)[number], string> = {
  semantic: "semantic (a fact)",
  episodic: "episodic (what happened)",
  working: "working (for now)",
};

/** The fields both forms have (create and edit). */
type SharedValues = { content?: string; importance?: number; pinned?: boolean };

/** The importance (0..1) and pinned fields of both forms. */
function ImportancePinnedFields() {
  return (
    <div className="flex flex-wrap items-end gap-4">
      <FormField<SharedValues, "importance">
        name="importance"
        render={({ field }) => (
          <FormItem className="w-40">
            <FormLabel>Importance</FormLabel>
            <FormControl>
              <Input {...numberField(field)} data-testid="memory-importance" min={0} max={1} step={0.05} />
            </FormControl>
            <FormDescription>0 to 1; recall ranks it higher.</FormDescription>
            <FormMessage />
          </FormItem>
        )}
      />
      <FormField<SharedValues, "pinned">
        name="pinned"
        render={({ field }) => (
          <FormItem className="flex flex-row items-center gap-2 pb-7">
            <FormControl>
              <Checkbox
                data-testid="memory-pinned"
                checked={field.value === true}
                onCheckedChange={(on) => field.onChange(on === true)}
                onBlur={field.onBlur}
              />
            </FormControl>
            <FormLabel className="font-normal">Pinned (counts as importance 1)</FormLabel>
          </FormItem>
        )}
      />
    </div>
  );
}

function ContentField() {
  return (
    <FormField<SharedValues, "content">
      name="content"
      render={({ field }) => (
        <FormItem>
          <FormLabel>Content</FormLabel>
          <FormControl>
            <textarea
              {...field}
              value={field.value ?? ""}
              data-testid="memory-content"
              className={textareaClasses}
              rows={5}
              maxLength={MEMORY_CONTENT_MAX}
              placeholder="Customer 42 prefers email over phone calls."
            />
          </FormControl>
          <FormDescription>What an agent recalls, as it would read it. Embedded when saved (a model call, in usage).</FormDescription>
          <FormMessage />
        </FormItem>
      )}
    />
  );
}

/** A save's handlers: on success a toast, the memories' lists read again, then `done`; a failure on the form's fields. */
function useSaveHandlers<V extends FieldValues>(
  form: Pick<UseFormReturn<V, unknown, unknown>, "setError" | "getValues">,
  notice: string,
  done: (memory: MemoryOutput) => void,
) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return {
    onSuccess: async (memory: MemoryOutput) => {
      toast.success(notice);
      await queryClient.invalidateQueries({ queryKey: trpc.memories.pathKey() });
      done(memory);
    },
    onError: (error: unknown) => applyServerErrors(form, error),
  };
}

/** The props of a number input bound to a form field: blank is `blank` (undefined, or null for "the default"), and the field's value shows as typed. */
export function numberField(
  field: {
    name: string;
    ref: (el: HTMLInputElement | null) => void;
    onBlur: () => void;
    value?: unknown;
    onChange: (v: unknown) => void;
  },
  blank: undefined | null = undefined,
) {
  return {
    name: field.name,
    ref: field.ref,
    onBlur: field.onBlur,
    type: "number",
    value: typeof field.value === "number" && !Number.isNaN(field.value) ? field.value : "",
    onChange: (e: ChangeEvent<HTMLInputElement>) => field.onChange(e.target.value.trim() === "" ? blank : Number(e.target.value)),
  } as const;
}

/** A new memory (memories.create): scope and its id, kind, content, importance, pinned, a note on where it came from. */
export function CreateMemoryForm({ onCreated }: { onCreated: (memory: MemoryOutput) => void }) {
  const trpc = useTRPC();
  const form = useZodForm(createMemoryInputSchema, {
    defaultValues: { scope: { type: "workspace", id: null }, kind: "semantic", content: "", importance: 0.5, pinned: false, sourceRef: {} },
  });
  const scopeType = useWatch({ control: form.control, name: "scope.type" });
  const create = useMutation(trpc.memories.create.mutationOptions(useSaveHandlers(form, "Remembered", onCreated)));
  return (
    <Form {...form}>
      <form className="grid gap-4" onSubmit={form.handleSubmit((values) => create.mutate(values))} noValidate data-testid="memory-form">
        <div className="flex flex-wrap items-start gap-3">
          <FormField
            control={form.control}
            name="scope.type"
            render={({ field }) => (
              <FormItem className="w-40">
                <FormLabel>Scope</FormLabel>
                <FormControl>
                  <select
                    {...field}
                    className={SELECT_CLASS}
                    data-testid="memory-scope-type"
                    onChange={(e) => {
                      field.onChange(e.target.value);
                      if (e.target.value === "workspace") form.setValue("scope.id", null, { shouldValidate: form.formState.isSubmitted });
                    }}
                  >
                    {MEMORY_SCOPE_TYPES.map((t) => (
                      <option key={t} value={t}>
                        {t}
                      </option>
                    ))}
                  </select>
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
          {scopeType !== "workspace" ? (
            <FormField
              control={form.control}
              name="scope.id"
              render={({ field }) => (
                <FormItem className="min-w-48 flex-1">
                  <FormLabel>Scope id</FormLabel>
                  <FormControl>
                    <Input
                      name={field.name}
                      ref={field.ref}
                      onBlur={field.onBlur}
                      data-testid="memory-scope-id"
                      maxLength={MEMORY_SCOPE_ID_MAX}
                      spellCheck={false}
                      placeholder={scopeType === "subject" ? "customer:42" : `the ${scopeType}'s id`}
                      value={field.value ?? ""}
                      onChange={(e) => field.onChange(e.target.value === "" ? null : e.target.value)}
                    />
                  </FormControl>
                  <FormMessage />
                </FormItem>
              )}
            />
          ) : null}
          <FormField
            control={form.control}
            name="kind"
            render={({ field }) => (
              <FormItem className="w-56">
                <FormLabel>Kind</FormLabel>
                <FormControl>
                  <select {...field} className={SELECT_CLASS} data-testid="memory-kind">
                    {MEMORY_KINDS.map((k) => (
                      <option key={k} value={k}>
                        {KIND_TEXT[k]}
                      </option>
                    ))}
                  </select>
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
        </div>
        <ContentField />
        <ImportancePinnedFields />
        <FormField
          control={form.control}
          name="sourceRef.note"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Note (optional)</FormLabel>
              <FormControl>
                <Input
                  name={field.name}
                  ref={field.ref}
                  onBlur={field.onBlur}
                  data-testid="memory-note"
                  maxLength={500}
                  placeholder="Where it came from, e.g. the support call of 3 March"
                  value={field.value ?? ""}
                  onChange={(e) => field.onChange(e.target.value === "" ? undefined : e.target.value)}
                />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormRootError />
        <div>
          <Button type="submit" data-testid="memory-submit" disabled={create.isPending}>
            {create.isPending ? "Saving…" : "Remember"}
          </Button>
        </div>
      </form>
    </Form>
  );
}

/** A memory's content (re-embedded when it changes), importance and pinned (memories.update): only what changed is sent. */
export function EditMemoryForm({ memory, onSaved }: { memory: MemoryOutput; onSaved: (memory: MemoryOutput) => void }) {
  const trpc = useTRPC();
  const form = useZodForm(updateMemoryInputSchema, { defaultValues: { content: memory.content, importance: memory.importance, pinned: memory.pinned } });
  const update = useMutation(trpc.memories.update.mutationOptions(useSaveHandlers(form, "Memory saved", onSaved)));
  const save = form.handleSubmit((values) => {
    const dirty = form.formState.dirtyFields;
    update.mutate({
      memoryId: memory.id,
      ...(dirty.content ? { content: values.content } : {}),
      ...(dirty.importance ? { importance: values.importance } : {}),
      ...(dirty.pinned ? { pinned: values.pinned } : {}),
    });
  });
  return (
    <Form {...form}>
      <form className="grid gap-4" onSubmit={save} noValidate data-testid="memory-edit-form">
        <ContentField />
        <ImportancePinnedFields />
        <FormRootError />
        <div>
          <Button type="submit" data-testid="memory-save" disabled={update.isPending || !form.formState.isDirty}>
            {update.isPending ? "Saving…" : "Save"}
          </Button>
        </div>
      </form>
    </Form>
  );
}
