"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
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
import { textareaClasses } from "@/components/ui/textarea";
import { cn } from "@/lib/cn";
import type { ToolOut, ToolTestResult } from "@/lib/schemas/tools";
import { useTRPC } from "@/lib/trpc/react";
import { testCallFormSchema } from "./form-schemas";

/** Arguments to start from: each property of the tool's schema, empty. */
function skeletonOf(schema: Record<string, unknown>): string {
  const properties = (schema.properties ?? {}) as Record<string, { type?: unknown }>;
  const empty = (type: unknown) =>
    type === "number" || type === "integer" ? 0 : type === "boolean" ? false : type === "array" ? [] : type === "object" ? {} : "";
  return JSON.stringify(Object.fromEntries(Object.entries(properties).map(([k, p]) => [k, empty(p?.type)])), null, 2);
}

/**
 * One real call of the saved tool with typed arguments (tools.test): the result as the model would read it, shown as
 * plain text (it is untrusted), whether it was an error, and how long it took. No approval, no rate count.
 */
export function TestCallPanel({ tool }: { tool: ToolOut }) {
  const trpc = useTRPC();
  const form = useZodForm(testCallFormSchema, { defaultValues: { input: skeletonOf(tool.inputSchema) } });
  const [result, setResult] = useState<ToolTestResult | null>(null);
  const test = useMutation(
    trpc.tools.test.mutationOptions({
      onSuccess: setResult,
      onError: (error) => applyServerErrors(form, error),
    }),
  );
  const run = form.handleSubmit(({ input }) => {
    setResult(null);
    test.mutate({ tool: tool.id ?? tool.name, input });
  });
  return (
    <Card
      title="Test call"
      description="Calls the saved tool once with these arguments, for real (an HTTP tool sends its request through the egress guard), without approval. Save your changes first."
      testId="tool-test"
    >
      <Form {...form}>
        <form className="flex flex-col gap-4" onSubmit={run} noValidate>
          <FormField
            control={form.control}
            name="input"
            render={({ field }) => (
              <FormItem>
                <FormLabel>Arguments (JSON)</FormLabel>
                <FormControl>
                  <textarea
                    {...field}
                    data-testid="tool-test-input"
                    className={cn(textareaClasses, "field-sizing-fixed font-mono md:text-sm")}
                    rows={5}
                    spellCheck={false}
                  />
                </FormControl>
                <FormDescription>Checked against the tool's arguments schema before the call.</FormDescription>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormRootError />
          <div>
            <Button type="submit" data-testid="tool-test-run" disabled={test.isPending}>
              {test.isPending ? "Calling…" : "Call the tool"}
            </Button>
          </div>
        </form>
      </Form>
      {result ? (
        <div className="mt-4 grid gap-2" data-testid="tool-test-result" data-error={result.isError ? "true" : "false"}>
          <div className="flex flex-wrap items-center gap-2 text-sm">
            <Badge tone={result.isError ? "danger" : "success"} testId="tool-test-status">
              {result.isError ? "error" : "ok"}
            </Badge>
            <span className="text-muted-foreground" data-testid="tool-test-duration">
              {result.durationMs} ms
            </span>
          </div>
          {/* untrusted text: rendered as text, never as markup */}
          <pre className="max-h-96 overflow-auto rounded-md border bg-muted p-3 text-xs whitespace-pre-wrap break-words" data-testid="tool-test-output">
            {result.output}
          </pre>
        </div>
      ) : null}
    </Card>
  );
}
