"use client";

import { type FormEvent, useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { PII_ENTITY_LABELS, PII_PREVIEW_MAX_CHARS, type PiiPolicy } from "@/lib/schemas/pii";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { textareaClasses } from "@/components/ui/textarea";
import { PII_ACTION_LABELS } from "./pii-texts";

/**
 * The "try it" box: a pasted text as the policy on the page (saved or not) leaves it, and what was found, by kind,
 * rule and position (never the value itself). Nothing is stored.
 */
export function PiiTryIt({ policy }: { policy: PiiPolicy }) {
  const trpc = useTRPC();
  const [text, setText] = useState("");
  const preview = useMutation(trpc.pii.preview.mutationOptions());

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    preview.mutate({ text, policy });
  }

  const result = preview.data;
  return (
    <Card title="Try it" description="Paste a text to see it as this policy leaves it, before you save. Nothing is stored." testId="pii-try-it">
      <form className="grid gap-3" onSubmit={onSubmit} noValidate>
        <label className="text-sm font-medium" htmlFor="pii-try-text">
          Text to try
        </label>
        <textarea
          id="pii-try-text"
          data-testid="pii-try-text"
          className={textareaClasses}
          rows={5}
          maxLength={PII_PREVIEW_MAX_CHARS}
          value={text}
          placeholder="Write to jane.doe@example.com or call +44 20 7946 0958"
          onChange={(e) => setText(e.target.value)}
        />
        <FormError message={preview.error ? errorMessage(preview.error) : null} />
        <div>
          <Button type="submit" variant="secondary" data-testid="pii-try" disabled={text.trim() === "" || preview.isPending}>
            {preview.isPending ? "Trying…" : "Try"}
          </Button>
        </div>
      </form>
      {result ? (
        <div className="mt-4 grid gap-3" aria-live="polite">
          <div className="grid gap-1">
            <h3 className="text-sm font-medium">Result</h3>
            <pre className="rounded-md border bg-muted/40 p-3 text-sm whitespace-pre-wrap break-words" data-testid="pii-try-result">
              {result.text}
            </pre>
          </div>
          {result.findings.length === 0 ? (
            <p className="text-sm text-muted-foreground" data-testid="pii-try-none">
              Nothing found.
            </p>
          ) : (
            <div className="overflow-x-auto">
              <table className="w-full text-sm" data-testid="pii-try-findings">
                <caption className="sr-only">What was found</caption>
                <thead>
                  <tr className="border-b text-left">
                    <th className="py-1.5 pr-4 font-medium">Kind</th>
                    <th className="py-1.5 pr-4 font-medium">Rule</th>
                    <th className="py-1.5 pr-4 font-medium">Position</th>
                    <th className="py-1.5 font-medium">Action</th>
                  </tr>
                </thead>
                <tbody>
                  {result.findings.map((f) => (
                    <tr key={`${f.start}-${f.end}`} className="border-b last:border-0">
                      <td className="py-1.5 pr-4">{PII_ENTITY_LABELS[f.entity]}</td>
                      <td className="py-1.5 pr-4 font-mono text-xs">{f.rule}</td>
                      <td className="py-1.5 pr-4 tabular-nums">
                        {f.start}–{f.end}
                      </td>
                      <td className="py-1.5">{PII_ACTION_LABELS[f.action]}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      ) : null}
    </Card>
  );
}
