"use client";

import { useRouter } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { createEvaluationInputSchema } from "@/lib/schemas/evaluations";
import { Button } from "@/components/ui/button";
import { applyServerErrors, Form, FormControl, FormField, FormItem, FormLabel, FormMessage, FormRootError, useZodForm } from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { JudgeChecklist } from "@/components/judges/judge-checklist";

const num = (v: string) => (v.trim() === "" ? undefined : Number(v));

/**
 * A new evaluation of a dataset: an agent or a team (its current version unless one is given), 1-5 judges, a budget,
 * a concurrency and the pass rate it must reach. Validated with the server's schema; opens the evaluation once queued.
 */
export function NewEvaluationForm({ dataset }: { dataset: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { slug } = useWorkspace();
  const agents = useQuery(trpc.agents.list.queryOptions({ limit: 200 }));
  const teams = useQuery(trpc.teams.list.queryOptions({ limit: 200 }));
  const judges = useQuery(trpc.judges.list.queryOptions({ limit: 200 }));
  const form = useZodForm(createEvaluationInputSchema, { defaultValues: { dataset, judges: [], concurrency: 2, passRate: 0.8, promote: false } });
  const create = useMutation(
    trpc.evaluations.create.mutationOptions({
      onSuccess: async (e) => {
        await queryClient.invalidateQueries({ queryKey: trpc.evaluations.pathKey() });
        router.push(`/w/${slug}/evaluations/${e.id}`);
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );
  const target = form.watch("team") !== undefined ? `team:${form.watch("team")}` : form.watch("agent") ? `agent:${form.watch("agent")}` : "";
  return (
    <Form {...form}>
      <form onSubmit={form.handleSubmit((v) => create.mutate(v))} className="grid gap-4" data-testid="evaluation-form" noValidate>
        <FormField
          control={form.control}
          name="agent"
          render={() => (
            <FormItem>
              <FormLabel htmlFor="evaluation-target">Agent or team</FormLabel>
              <FormControl>
                <select
                  id="evaluation-target"
                  data-testid="evaluation-target"
                  className={SELECT_CLASS}
                  value={target}
                  onChange={(e) => {
                    const [kind, ref] = e.target.value.split(":") as [string, string | undefined];
                    form.setValue("agent", kind === "agent" ? ref : undefined, { shouldValidate: true });
                    form.setValue("team", kind === "team" ? ref : undefined);
                  }}
                >
                  <option value="">Choose…</option>
                  {(agents.data?.items ?? []).map((a) => (
                    <option key={a.id} value={`agent:${a.slug}`}>
                      Agent {a.name} (v{a.currentVersion})
                    </option>
                  ))}
                  {(teams.data?.items ?? []).map((t) => (
                    <option key={t.id} value={`team:${t.slug}`}>
                      Team {t.name} (v{t.currentVersion})
                    </option>
                  ))}
                </select>
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={form.control}
          name="judges"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Judges (1-5)</FormLabel>
              <JudgeChecklist judges={judges.data?.items ?? []} value={field.value} onChange={field.onChange} testId="evaluation-judges" />
              <FormMessage />
            </FormItem>
          )}
        />
        <div className="flex flex-wrap gap-3">
          <FormField
            control={form.control}
            name="budgetUsd"
            render={({ field }) => (
              <FormItem className="w-40">
                <FormLabel htmlFor="evaluation-budget">Budget (USD, optional)</FormLabel>
                <FormControl>
                  <Input
                    id="evaluation-budget"
                    type="number"
                    min={0}
                    step="any"
                    defaultValue={field.value ?? ""}
                    onChange={(e) => field.onChange(num(e.target.value))}
                  />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormField
            control={form.control}
            name="concurrency"
            render={({ field }) => (
              <FormItem className="w-32">
                <FormLabel htmlFor="evaluation-concurrency">Items at once</FormLabel>
                <FormControl>
                  <Input
                    id="evaluation-concurrency"
                    type="number"
                    min={1}
                    max={16}
                    defaultValue={field.value ?? ""}
                    onChange={(e) => field.onChange(num(e.target.value))}
                  />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormField
            control={form.control}
            name="passRate"
            render={({ field }) => (
              <FormItem className="w-40">
                <FormLabel htmlFor="evaluation-pass-rate">Required pass rate (0-1)</FormLabel>
                <FormControl>
                  <Input
                    id="evaluation-pass-rate"
                    type="number"
                    min={0}
                    max={1}
                    step={0.05}
                    defaultValue={field.value ?? ""}
                    onChange={(e) => field.onChange(num(e.target.value))}
                  />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormField
            control={form.control}
            name="version"
            render={({ field }) => (
              <FormItem className="w-40">
                <FormLabel htmlFor="evaluation-version">Version (default: current)</FormLabel>
                <FormControl>
                  <Input
                    id="evaluation-version"
                    data-testid="evaluation-version"
                    type="number"
                    min={1}
                    step={1}
                    defaultValue={field.value ?? ""}
                    onChange={(e) => field.onChange(num(e.target.value))}
                  />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
        </div>
        <FormField
          control={form.control}
          name="promote"
          render={({ field }) => (
            <FormItem>
              <label className="flex items-center gap-2 text-sm">
                <input type="checkbox" data-testid="evaluation-promote" checked={field.value === true} onChange={(e) => field.onChange(e.target.checked)} />
                The version is a candidate (saved under a promotion rule): make it current if this evaluation passes
              </label>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormRootError />
        <div>
          <Button type="submit" disabled={create.isPending} data-testid="evaluation-start">
            Start evaluation
          </Button>
        </div>
      </form>
    </Form>
  );
}
