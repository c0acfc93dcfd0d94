"use client";

import { useState } from "react";
import { useFieldArray } from "react-hook-form";
import type { z } from "zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { DEFAULT_MODEL_POLICY } from "@/lib/schemas/agents";
import { createJudgeInputSchema, MAX_CRITERIA, MAX_JUDGE_INSTRUCTIONS, type JudgeOutput, updateJudgeInputSchema } from "@/lib/schemas/judges";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { applyServerErrors, Form, FormControl, FormField, FormItem, FormLabel, FormMessage, FormRootError, useZodForm } from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { textareaClasses } from "@/components/ui/textarea";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { slugify } from "@/components/workspace/slugify";

/** The form's values: the server's create input (an edit has no slug: it never changes). */
type JudgeValues = z.input<typeof createJudgeInputSchema>;

function valuesOf(judge?: JudgeOutput): JudgeValues {
  const values: Omit<JudgeValues, "slug"> = {
    name: judge?.name ?? "",
    instructions: judge?.instructions ?? "",
    modelPolicy: judge?.modelPolicy ?? { ...DEFAULT_MODEL_POLICY },
    rubric: judge?.rubric ?? { criteria: [{ key: "accuracy", description: "The answer is correct and complete", weight: 1 }], scale: { min: 1, max: 5 } },
    referenceAnswer: judge?.referenceAnswer ?? null,
    examples: judge?.examples ?? [],
    maxOutputTokens: judge?.maxOutputTokens ?? 1024,
  };
  return (judge ? values : { slug: "", ...values }) as JudgeValues;
}

const num = (v: string) => (v.trim() === "" ? Number.NaN : Number(v));

/** The rubric editor: criteria (key, description, weight) and the scale they are scored on. */
function RubricEditor({ disabled }: { disabled: boolean }) {
  const criteria = useFieldArray<JudgeValues, "rubric.criteria">({ name: "rubric.criteria" });
  return (
    <fieldset className="grid gap-3 rounded-md border p-3" data-testid="judge-rubric" disabled={disabled}>
      <legend className="px-1 text-sm font-medium">Rubric</legend>
      {criteria.fields.map((c, i) => (
        <div key={c.id} className="flex flex-wrap items-end gap-2" data-testid="judge-criterion">
          <FormField<JudgeValues, `rubric.criteria.${number}.key`>
            name={`rubric.criteria.${i}.key`}
            render={({ field }) => (
              <FormItem className="w-40">
                <FormLabel htmlFor={`judge-criterion-key-${i}`}>Key</FormLabel>
                <FormControl>
                  <Input {...field} id={`judge-criterion-key-${i}`} data-testid={`judge-criterion-key-${i}`} placeholder="accuracy" />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormField<JudgeValues, `rubric.criteria.${number}.description`>
            name={`rubric.criteria.${i}.description`}
            render={({ field }) => (
              <FormItem className="min-w-0 flex-[1_1_240px]">
                <FormLabel htmlFor={`judge-criterion-description-${i}`}>What it checks</FormLabel>
                <FormControl>
                  <Input {...field} id={`judge-criterion-description-${i}`} data-testid={`judge-criterion-description-${i}`} />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormField<JudgeValues, `rubric.criteria.${number}.weight`>
            name={`rubric.criteria.${i}.weight`}
            render={({ field }) => (
              <FormItem className="w-24">
                <FormLabel htmlFor={`judge-criterion-weight-${i}`}>Weight</FormLabel>
                <FormControl>
                  <Input
                    {...field}
                    id={`judge-criterion-weight-${i}`}
                    data-testid={`judge-criterion-weight-${i}`}
                    type="number"
                    min={0}
                    step={0.5}
                    value={Number.isFinite(field.value) ? field.value : ""}
                    onChange={(e) => field.onChange(num(e.target.value))}
                  />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
          <Button type="button" variant="ghost" size="sm" onClick={() => criteria.remove(i)} disabled={criteria.fields.length <= 1}>
            Remove
          </Button>
        </div>
      ))}
      <FormField<JudgeValues, "rubric.criteria">
        name="rubric.criteria"
        render={() => (
          <FormItem>
            <FormMessage />
          </FormItem>
        )}
      />
      <div className="flex flex-wrap items-end gap-2">
        <Button
          type="button"
          variant="outline"
          size="sm"
          data-testid="judge-criterion-add"
          disabled={criteria.fields.length >= MAX_CRITERIA}
          onClick={() => criteria.append({ key: "", description: "", weight: 1 })}
        >
          Add criterion
        </Button>
        {(["min", "max"] as const).map((bound) => (
          <FormField<JudgeValues, `rubric.scale.${typeof bound}`>
            key={bound}
            name={`rubric.scale.${bound}`}
            render={({ field }) => (
              <FormItem className="w-24">
                <FormLabel htmlFor={`judge-scale-${bound}`}>Scale {bound}</FormLabel>
                <FormControl>
                  <Input
                    {...field}
                    id={`judge-scale-${bound}`}
                    type="number"
                    value={Number.isFinite(field.value) ? field.value : ""}
                    onChange={(e) => field.onChange(num(e.target.value))}
                  />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
        ))}
      </div>
    </fieldset>
  );
}

/**
 * Create a judge, or edit one (saving writes a new version): instructions, a model policy (preset), a rubric and an
 * optional reference answer. Validated as the server does (createJudgeInputSchema / updateJudgeInputSchema).
 */
export function JudgeForm({ judge, onCreated, bare }: { judge?: JudgeOutput; onCreated?: (created: JudgeOutput) => void; bare?: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useWorkspace();
  const editable = judge ? can("judges:update") && !judge.archivedAt : can("judges:create");
  const schema = (judge ? updateJudgeInputSchema : createJudgeInputSchema) as typeof createJudgeInputSchema;
  const form = useZodForm(schema, { defaultValues: valuesOf(judge) });
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.judges.pathKey() });
  const create = useMutation(
    trpc.judges.create.mutationOptions({
      onSuccess: async (created) => {
        form.reset(valuesOf());
        setNotice(`Created ${created.name} (${created.slug}).`);
        await refresh();
        onCreated?.(created);
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );
  const update = useMutation(
    trpc.judges.update.mutationOptions({
      onSuccess: async (saved) => {
        setNotice(`Saved as version ${saved.currentVersion}.`);
        await refresh();
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );
  const mutation = judge ? update : create;
  const save = form.handleSubmit(({ slug, ...fields }) => {
    if (judge) update.mutate({ judge: judge.id, ...fields, baseVersion: judge.currentVersion });
    else create.mutate({ slug, ...fields });
  });

  const body = (
    <Form {...form}>
      <form onSubmit={save} className="grid gap-4" data-testid="judge-form" noValidate>
        <fieldset className="grid gap-4" disabled={!editable}>
          <div className="flex flex-wrap gap-3">
            <FormField
              control={form.control}
              name="name"
              render={({ field }) => (
                <FormItem className="min-w-0 flex-[1_1_240px]">
                  <FormLabel htmlFor="judge-name">Name</FormLabel>
                  <FormControl>
                    <Input
                      {...field}
                      id="judge-name"
                      data-testid="judge-name"
                      maxLength={120}
                      onChange={(e) => {
                        field.onChange(e);
                        if (!judge) form.setValue("slug", slugify(e.target.value));
                      }}
                    />
                  </FormControl>
                  <FormMessage />
                </FormItem>
              )}
            />
            {judge ? null : (
              <FormField
                control={form.control}
                name="slug"
                render={({ field }) => (
                  <FormItem className="w-56">
                    <FormLabel htmlFor="judge-slug">Slug</FormLabel>
                    <FormControl>
                      <Input {...field} id="judge-slug" data-testid="judge-slug" maxLength={63} />
                    </FormControl>
                    <FormMessage />
                  </FormItem>
                )}
              />
            )}
          </div>
          <FormField
            control={form.control}
            name="instructions"
            render={({ field }) => (
              <FormItem>
                <FormLabel htmlFor="judge-instructions">Instructions</FormLabel>
                <FormControl>
                  <textarea
                    {...field}
                    id="judge-instructions"
                    data-testid="judge-instructions"
                    rows={4}
                    maxLength={MAX_JUDGE_INSTRUCTIONS}
                    className={textareaClasses}
                  />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
          <RubricEditor disabled={!editable} />
          <FormField
            control={form.control}
            name="referenceAnswer"
            render={({ field }) => (
              <FormItem>
                <FormLabel htmlFor="judge-reference">Reference answer (optional)</FormLabel>
                <FormControl>
                  <textarea
                    {...field}
                    id="judge-reference"
                    data-testid="judge-reference"
                    rows={3}
                    className={textareaClasses}
                    value={field.value ?? ""}
                    onChange={(e) => field.onChange(e.target.value === "" ? null : e.target.value)}
                  />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
        </fieldset>
        <FormRootError />
        {notice ? (
          <p className="text-sm text-success" data-testid="judge-saved">
            {notice}
          </p>
        ) : null}
        {editable ? (
          <div>
            <Button type="submit" data-testid="judge-submit" disabled={mutation.isPending}>
              {mutation.isPending ? "Saving…" : judge ? "Save new version" : "Create judge"}
            </Button>
          </div>
        ) : null}
      </form>
    </Form>
  );
  return bare ? body : <Card className="p-4">{body}</Card>;
}
