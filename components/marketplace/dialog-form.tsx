"use client";

import type { ReactNode } from "react";
import type { FieldValues, UseFormReturn } from "react-hook-form";
import { DialogFooter } from "@/components/ui/dialog";
import { applyServerErrors, Form, FormRootError } from "@/components/ui/form";

/**
 * A dialog's form: its fields, the form-level error, then `submit` in the dialog's footer. A rejected `onSubmit` puts
 * the server's errors on the fields (or above the footer).
 */
export function DialogForm<V extends FieldValues, O>({
  form,
  onSubmit,
  submit,
  testId,
  children,
}: {
  form: UseFormReturn<V, unknown, O>;
  onSubmit: (values: O) => Promise<unknown>;
  submit: ReactNode;
  testId?: string;
  children: ReactNode;
}) {
  return (
    <Form {...form}>
      <form
        className="grid gap-4"
        noValidate
        data-testid={testId}
        onSubmit={form.handleSubmit(async (values) => {
          try {
            await onSubmit(values);
          } catch (error) {
            applyServerErrors(form, error);
          }
        })}
      >
        {children}
        <FormRootError />
        <DialogFooter>{submit}</DialogFooter>
      </form>
    </Form>
  );
}
