"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { Slot } from "radix-ui";
import { type ComponentProps, createContext, type ReactNode, useContext, useId } from "react";
import {
  Controller,
  type ControllerProps,
  type FieldPath,
  type FieldValues,
  FormProvider,
  type UseFormProps,
  type UseFormReturn,
  useForm,
  useFormContext,
  useFormState,
} from "react-hook-form";
import type { z } from "zod";
import { cn } from "@/lib/cn";
import { friendlyError } from "@/lib/schemas/messages";
import { errorMessage, isTrpcError } from "@/lib/trpc/errors";
import { Label } from "./label";

/**
 * A react-hook-form form validated by a lib/schemas schema (the one the server parses with), in people's words
 * (lib/schemas/messages.ts). Errors show once a field has been left (mode "onTouched") or the form submitted.
 */
export function useZodForm<S extends z.ZodType<FieldValues, FieldValues>>(
  schema: S,
  options?: Omit<UseFormProps<z.input<S>, unknown, z.output<S>>, "resolver">,
): UseFormReturn<z.input<S>, unknown, z.output<S>> {
  return useForm<z.input<S>, unknown, z.output<S>>({
    mode: "onTouched",
    ...options,
    // the schemas' input and output types differ (defaults, transforms): the resolver maps one onto the other
    resolver: zodResolver(schema as never, { error: friendlyError }) as never,
  });
}

/** The form's context (pass the useZodForm() result): `<Form {...form}><form onSubmit={form.handleSubmit(save)}>...` */
export const Form = FormProvider;

const FieldContext = createContext<{ name: string } | null>(null);
const ItemContext = createContext<{ id: string } | null>(null);

export function FormField<V extends FieldValues, N extends FieldPath<V>, T = V>(props: ControllerProps<V, N, T>) {
  return (
    <FieldContext value={{ name: props.name }}>
      <Controller {...props} />
    </FieldContext>
  );
}

/** The ids and state of the field around the caller (inside FormField > FormItem). */
export function useFormField() {
  const field = useContext(FieldContext);
  const item = useContext(ItemContext);
  const { getFieldState } = useFormContext();
  const formState = useFormState({ name: field?.name });
  if (!field || !item) throw new Error("useFormField() is for the parts inside <FormField><FormItem>");
  const state = getFieldState(field.name, formState);
  return {
    name: field.name,
    formItemId: `${item.id}-item`,
    formDescriptionId: `${item.id}-description`,
    formMessageId: `${item.id}-message`,
    ...state,
  };
}

export function FormItem({ className, ...props }: ComponentProps<"div">) {
  const id = useId();
  return (
    <ItemContext value={{ id }}>
      <div data-slot="form-item" className={cn("grid gap-2", className)} {...props} />
    </ItemContext>
  );
}

export function FormLabel({ className, ...props }: ComponentProps<typeof Label>) {
  const { error, formItemId } = useFormField();
  return <Label data-slot="form-label" data-error={!!error} className={cn("data-[error=true]:text-destructive", className)} htmlFor={formItemId} {...props} />;
}

/** Puts the field's id, aria-invalid and aria-describedby (description, then message) on its one child control. */
export function FormControl(props: ComponentProps<typeof Slot.Root>) {
  const { error, formItemId, formDescriptionId, formMessageId } = useFormField();
  return (
    <Slot.Root
      data-slot="form-control"
      id={formItemId}
      aria-describedby={error ? `${formDescriptionId} ${formMessageId}` : formDescriptionId}
      aria-invalid={!!error}
      {...props}
    />
  );
}

export function FormDescription({ className, ...props }: ComponentProps<"p">) {
  const { formDescriptionId } = useFormField();
  return <p data-slot="form-description" id={formDescriptionId} className={cn("text-sm text-muted-foreground", className)} {...props} />;
}

/** The field's error (or `children` when there is none). */
export function FormMessage({ className, children, ...props }: ComponentProps<"p">) {
  const { error, formMessageId } = useFormField();
  const body: ReactNode = error ? String(error.message ?? "") : children;
  if (!body) return null;
  return (
    <p data-slot="form-message" id={formMessageId} className={cn("text-sm text-destructive", className)} {...props}>
      {body}
    </p>
  );
}

/** The form-level error: what applyServerErrors() could not put on a field. */
export function FormRootError({ className }: { className?: string }) {
  const { errors } = useFormState();
  const message = errors.root?.server?.message;
  if (!message) return null;
  return (
    <div
      role="alert"
      data-slot="form-root-error"
      data-testid="form-error"
      className={cn("rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive", className)}
    >
      {message}
    </div>
  );
}

/**
 * Puts a failed mutation's validation issues (tRPC's `data.issues`, `{ path: "a.b", message }`: server/api/trpc.ts)
 * on the form's fields of the same path (or the one `fieldFor` names), focusing the first; anything else (an issue
 * of no field here, a conflict, a network error) becomes the form-level message FormRootError shows.
 * Returns the fields it marked.
 */
export function applyServerErrors<V extends FieldValues>(
  form: Pick<UseFormReturn<V, unknown, unknown>, "setError" | "getValues">,
  error: unknown,
  fieldFor?: (path: string) => string | undefined,
): string[] {
  const issues = isTrpcError(error) ? (error.data?.issues ?? []) : [];
  const marked: string[] = [];
  const unmatched: string[] = [];
  for (const issue of issues) {
    const name = fieldFor?.(issue.path) ?? issue.path;
    if (name && form.getValues(name as FieldPath<V>) !== undefined) {
      form.setError(name as FieldPath<V>, { type: "server", message: issue.message }, { shouldFocus: marked.length === 0 });
      marked.push(name);
    } else {
      unmatched.push(issue.path ? `${issue.path}: ${issue.message}` : issue.message);
    }
  }
  if (unmatched.length > 0 || marked.length === 0) {
    form.setError("root.server" as FieldPath<V>, { type: "server", message: unmatched.length > 0 ? unmatched.join("; ") : errorMessage(error) });
  }
  return marked;
}
