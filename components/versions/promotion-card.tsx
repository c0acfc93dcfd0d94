"use client";

import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { promotionRuleSchema, type PromotionRule } from "@/lib/schemas/promotion";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { Form, FormControl, FormField, FormItem, FormLabel, FormMessage, useZodForm } from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { JudgeChecklist } from "@/components/judges/judge-checklist";

export interface PromotionTarget {
  kind: "agent" | "team";
  id: string;
  currentVersion: number;
  latestVersion: number;
  archived: boolean;
  rule: PromotionRule | null;
}

/**
 * Eval-gated promotion of an agent or a team: the rule (a dataset, its judges and the pass rate a new version's
 * evaluation must reach before it becomes current), and the candidate awaiting its evaluation, if any.
 */
export function PromotionCard({ target }: { target: PromotionTarget }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can, slug } = useWorkspace();
  const editable = can(target.kind === "agent" ? "agents:update" : "teams:update") && !target.archived;
  const datasets = useQuery({ ...trpc.datasets.list.queryOptions({ limit: 200 }), enabled: can("evals:read") });
  const judges = useQuery({ ...trpc.judges.list.queryOptions({ limit: 200 }), enabled: can("judges:read") });
  const invalidate = () => queryClient.invalidateQueries({ queryKey: target.kind === "agent" ? trpc.agents.pathKey() : trpc.teams.pathKey() });
  const setAgent = useMutation(trpc.agents.setPromotion.mutationOptions({ onSuccess: invalidate }));
  const setTeam = useMutation(trpc.teams.setPromotion.mutationOptions({ onSuccess: invalidate }));
  const save = target.kind === "agent" ? setAgent : setTeam;
  const mutate = (rule: PromotionRule | null) =>
    target.kind === "agent" ? setAgent.mutate({ agent: target.id, rule }) : setTeam.mutate({ team: target.id, rule });
  const form = useZodForm(promotionRuleSchema, {
    defaultValues: target.rule ?? { dataset: "", judges: [], passRate: 0.8 },
  });
  const candidate = target.latestVersion > target.currentVersion ? target.latestVersion : null;

  return (
    <Card
      title="Promotion"
      description="With a rule, each new version is a candidate: runs keep the current version until an evaluation of the candidate over the dataset passes, then it becomes current by itself."
      testId="promotion-card"
    >
      {candidate ? (
        <p className="rounded-md border bg-muted/40 px-3 py-2 text-sm" role="status" data-testid="promotion-candidate">
          Version {candidate} is a candidate; runs use version {target.currentVersion}. <Link href={`/w/${slug}/evaluations`}>See its evaluation</Link>
        </p>
      ) : null}
      {!editable ? (
        <p className="text-sm text-muted-foreground" data-testid="promotion-rule-summary">
          {target.rule
            ? `New versions need an evaluation pass rate of ${Math.round(target.rule.passRate * 100)}% to become current.`
            : "Every new version is current at once."}
        </p>
      ) : (
        <Form {...form}>
          <form className="grid gap-4" noValidate onSubmit={form.handleSubmit((rule) => mutate(rule))} data-testid="promotion-form">
            <div className="flex flex-wrap gap-3">
              <FormField
                control={form.control}
                name="dataset"
                render={({ field }) => (
                  <FormItem className="min-w-56">
                    <FormLabel htmlFor={`promotion-dataset-${target.id}`}>Dataset</FormLabel>
                    <FormControl>
                      <select
                        id={`promotion-dataset-${target.id}`}
                        data-testid="promotion-dataset"
                        className={SELECT_CLASS}
                        value={field.value}
                        onChange={(e) => field.onChange(e.target.value)}
                      >
                        <option value="">Choose…</option>
                        {(datasets.data?.items ?? []).map((d) => (
                          <option key={d.id} value={d.id}>
                            {d.name} ({d.itemCount} items)
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
                name="passRate"
                render={({ field }) => (
                  <FormItem className="w-40">
                    <FormLabel htmlFor={`promotion-pass-rate-${target.id}`}>Pass rate (0-1)</FormLabel>
                    <FormControl>
                      <Input
                        id={`promotion-pass-rate-${target.id}`}
                        data-testid="promotion-pass-rate"
                        type="number"
                        min={0}
                        max={1}
                        step="0.05"
                        // uncontrolled: a half-typed number ("0.") must stay as typed
                        defaultValue={field.value ?? ""}
                        onChange={(e) => field.onChange(e.target.value === "" ? undefined : Number(e.target.value))}
                      />
                    </FormControl>
                    <FormMessage />
                  </FormItem>
                )}
              />
            </div>
            <FormField
              control={form.control}
              name="judges"
              render={({ field }) => (
                <FormItem>
                  <FormLabel>Judges (1-5)</FormLabel>
                  <JudgeChecklist judges={judges.data?.items ?? []} value={field.value} onChange={field.onChange} testId="promotion-judges" />
                  <FormMessage />
                </FormItem>
              )}
            />
            <FormError message={save.error ? errorMessage(save.error) : null} />
            <div className="flex flex-wrap gap-2">
              <Button type="submit" data-testid="promotion-save" disabled={save.isPending}>
                {target.rule ? "Save the rule" : "Require an evaluation"}
              </Button>
              {target.rule ? (
                <Button type="button" variant="outline" data-testid="promotion-clear" disabled={save.isPending} onClick={() => mutate(null)}>
                  Remove the rule
                </Button>
              ) : null}
            </div>
          </form>
        </Form>
      )}
    </Card>
  );
}
