"use client";

import { useEffect, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { getCountries } from "libphonenumber-js/min";
import { useTRPC } from "@/lib/trpc/react";
import { PII_ACTIONS, PII_ENTITIES, PII_ENTITY_LABELS, PII_PATH_LABELS, PII_PATHS, type PiiPolicy, piiPolicySchema } from "@/lib/schemas/pii";
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
import { RadioGroup, RadioGroupItem } from "@/components/ui/radio-group";
import { Switch } from "@/components/ui/switch";
import { SubmitButton } from "@/components/ui/submit-button";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { PII_ACTION_HINTS, PII_ACTION_LABELS, PII_ENTITY_HINTS, PII_PATH_HINTS } from "./pii-texts";

const countryNames = typeof Intl.DisplayNames === "function" ? new Intl.DisplayNames(["en"], { type: "region" }) : null;
const COUNTRIES = getCountries()
  .map((code) => ({ code, name: countryNames?.of(code) ?? code }))
  .sort((a, b) => a.name.localeCompare(b.name));

/**
 * The workspace's policy as one form on the shared schema (`pii.update` takes the whole policy): an action per kind of
 * value, the paths it applies on, and the phone region. Read-only without settings:update.
 */
export function PiiPolicyForm({ policy, onDraft }: { policy: PiiPolicy; onDraft?: (draft: PiiPolicy) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useWorkspace();
  const editable = can("settings:update");
  const form = useZodForm(piiPolicySchema, { defaultValues: policy });
  const [saved, setSaved] = useState(false);

  const update = useMutation(
    trpc.pii.update.mutationOptions({
      onMutate: () => setSaved(false),
      onSuccess: async (next) => {
        form.reset(next.policy);
        setSaved(true);
        await queryClient.invalidateQueries({ queryKey: trpc.pii.get.queryKey() });
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );

  // the try-it box tries what is on the page
  useEffect(() => {
    if (!onDraft) return;
    const { unsubscribe } = form.watch((values) => {
      const draft = piiPolicySchema.safeParse(values);
      if (draft.success) onDraft(draft.data);
    });
    return unsubscribe;
  }, [form, onDraft]);

  const dirty = form.formState.isDirty;
  return (
    <Form {...form}>
      <form className="grid gap-8" onSubmit={form.handleSubmit((values) => update.mutate(values))} noValidate data-testid="pii-policy-form">
        <fieldset className="grid gap-3" disabled={!editable}>
          <legend className="mb-2 text-sm font-medium">What happens to each kind of value</legend>
          <div className="overflow-x-auto">
            <table className="w-full text-sm">
              <thead>
                <tr className="border-b text-left">
                  <th className="py-2 pr-4 font-medium">Kind</th>
                  {PII_ACTIONS.map((a) => (
                    <th key={a} className="px-2 py-2 text-center font-medium" title={PII_ACTION_HINTS[a]}>
                      {PII_ACTION_LABELS[a]}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {PII_ENTITIES.map((entity) => (
                  <FormField
                    key={entity}
                    control={form.control}
                    name={`actions.${entity}`}
                    render={({ field }) => (
                      <RadioGroup
                        asChild
                        value={field.value}
                        onValueChange={field.onChange}
                        disabled={!editable}
                        aria-label={`What happens to ${PII_ENTITY_LABELS[entity].toLowerCase()}`}
                        data-testid={`pii-action-${entity}`}
                      >
                        <tr className="border-b last:border-0">
                          <td className="py-2 pr-4">
                            <div className="font-medium">{PII_ENTITY_LABELS[entity]}</div>
                            <div className="text-xs text-muted-foreground">{PII_ENTITY_HINTS[entity]}</div>
                          </td>
                          {PII_ACTIONS.map((a) => (
                            <td key={a} className="px-2 py-2 text-center">
                              <RadioGroupItem value={a} aria-label={`${PII_ACTION_LABELS[a]} ${PII_ENTITY_LABELS[entity].toLowerCase()}`} />
                            </td>
                          ))}
                        </tr>
                      </RadioGroup>
                    )}
                  />
                ))}
              </tbody>
            </table>
          </div>
          <p className="text-xs text-muted-foreground">
            {PII_ACTIONS.map((a) => `${PII_ACTION_LABELS[a]}: ${PII_ACTION_HINTS[a]}.`).join(" ")} Hashes are keyed per workspace.
          </p>
        </fieldset>

        <fieldset className="grid gap-4" disabled={!editable}>
          <legend className="mb-2 text-sm font-medium">Where it applies</legend>
          {PII_PATHS.map((path) => (
            <FormField
              key={path}
              control={form.control}
              name={`paths.${path}`}
              render={({ field }) => (
                <FormItem className="flex items-start gap-3">
                  <FormControl>
                    <Switch checked={field.value} onCheckedChange={field.onChange} disabled={!editable} data-testid={`pii-path-${path}`} className="mt-0.5" />
                  </FormControl>
                  <div className="grid gap-1">
                    <FormLabel>{PII_PATH_LABELS[path]}</FormLabel>
                    <FormDescription>{PII_PATH_HINTS[path]}</FormDescription>
                  </div>
                </FormItem>
              )}
            />
          ))}
        </fieldset>

        <FormField
          control={form.control}
          name="phoneRegion"
          render={({ field }) => (
            <FormItem className="max-w-sm">
              <FormLabel>Phone region</FormLabel>
              <FormControl>
                <select
                  className={SELECT_CLASS}
                  data-testid="pii-phone-region"
                  disabled={!editable}
                  value={field.value ?? ""}
                  onChange={(e) => field.onChange(e.target.value === "" ? null : e.target.value)}
                  onBlur={field.onBlur}
                >
                  <option value="">None: international numbers only</option>
                  {COUNTRIES.map((c) => (
                    <option key={c.code} value={c.code}>
                      {c.name} ({c.code})
                    </option>
                  ))}
                </select>
              </FormControl>
              <FormDescription>Numbers written without +CC (020 7946 0958, (415) 555-2671) are found for this country only.</FormDescription>
              <FormMessage />
            </FormItem>
          )}
        />

        <FormRootError />
        {editable ? (
          <div className="flex flex-wrap items-center gap-2">
            <SubmitButton testId="pii-save" pending={update.isPending} pendingLabel="Saving…" disabled={!dirty}>
              Save policy
            </SubmitButton>
            {saved && !dirty ? (
              <span className="font-medium text-success" data-testid="pii-saved">
                Saved
              </span>
            ) : null}
          </div>
        ) : (
          <p className="text-sm text-muted-foreground" data-testid="pii-read-only">
            Owners and admins change this policy.
          </p>
        )}
      </form>
    </Form>
  );
}
