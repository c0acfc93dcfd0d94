"use client";

import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { addDomainInputSchema } from "@/lib/schemas/organizations";
import { Card } from "@/components/ui/card";
import { applyServerErrors, Form, FormControl, FormField, FormItem, FormLabel, FormMessage, FormRootError, useZodForm } from "@/components/ui/form";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Badge } from "@/components/ui/badge";
import { CopyButton } from "@/components/ui/copy-button";
import { ActionsHeader, QueryTable, RowDangerButton } from "@/components/ui/table";
import { EmptyState } from "@/components/ui/empty-state";
import { FormError } from "@/components/ui/form-error";
import { useConfirm } from "@/components/ui/confirm";
import { errorMessage } from "@/lib/trpc/errors";

/** The organisation's email domains: claim, verify by DNS TXT, remove. */
export function OrgDomainsCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const confirm = useConfirm();
  const domains = useQuery(trpc.orgs.domains.queryOptions());
  const [actionError, setActionError] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries(trpc.orgs.domains.queryFilter());
  const form = useZodForm(addDomainInputSchema, { defaultValues: { domain: "" } });
  const add = useMutation(
    trpc.orgs.addDomain.mutationOptions({
      onSuccess: async () => {
        form.reset({ domain: "" });
        await refresh();
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );
  const verify = useMutation(
    trpc.orgs.verifyDomain.mutationOptions({
      onMutate: () => setActionError(null),
      onSuccess: refresh,
      onError: (error) => setActionError(errorMessage(error)),
    }),
  );
  const remove = useMutation(trpc.orgs.removeDomain.mutationOptions({ onSuccess: refresh, onError: (error) => setActionError(errorMessage(error)) }));

  return (
    <Card
      title="Email domains"
      description="People whose email is on a verified domain are routed to the organisation's single sign-on (and must use it when it is forced). Verify a domain with a DNS TXT record; an operator can confirm it offline (cadre orgs verify-domain)."
      testId="org-domains"
    >
      <Form {...form}>
        <form className="mb-4 flex flex-wrap items-end gap-2" noValidate onSubmit={form.handleSubmit((v) => add.mutate(v))}>
          <FormField
            control={form.control}
            name="domain"
            render={({ field }) => (
              <FormItem className="min-w-64 gap-1.5">
                <FormLabel>Domain</FormLabel>
                <FormControl>
                  <Input {...field} data-testid="domain-input" placeholder="example.com" autoCapitalize="off" spellCheck={false} />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
          <Button type="submit" data-testid="domain-add" disabled={add.isPending}>
            Claim domain
          </Button>
          <FormRootError />
        </form>
      </Form>
      <FormError message={actionError ?? domains.error?.message} />
      <QueryTable query={domains} empty={<EmptyState title="No domains yet" text="Claim the domain of your company's email addresses." />}>
        <table className="w-full text-sm">
          <thead>
            <tr className="text-left text-muted-foreground">
              <th>Domain</th>
              <th>Status</th>
              <th>TXT record</th>
              <ActionsHeader />
            </tr>
          </thead>
          <tbody>
            {domains.data?.map((d) => (
              <tr key={d.id} data-testid={`domain-row-${d.domain}`} className="border-t align-top">
                <td className="py-2 font-medium">{d.domain}</td>
                <td className="py-2">{d.verified ? <Badge tone="success">verified ({d.verifiedBy})</Badge> : <Badge tone="warning">unverified</Badge>}</td>
                <td className="py-2">
                  {d.verified ? (
                    <span className="text-muted-foreground">—</span>
                  ) : (
                    <div className="grid gap-1 font-mono text-xs">
                      <span>{d.txtRecordName}</span>
                      <span className="flex items-center gap-2">
                        {d.txtRecordValue} <CopyButton text={d.txtRecordValue} label="Copy value" />
                      </span>
                    </div>
                  )}
                </td>
                <td className="py-2 text-right whitespace-nowrap">
                  {d.verified ? null : (
                    <Button
                      size="sm"
                      variant="outline"
                      data-testid={`domain-verify-${d.domain}`}
                      disabled={verify.isPending}
                      onClick={() => verify.mutate({ id: d.id })}
                    >
                      Verify
                    </Button>
                  )}
                  <RowDangerButton
                    testId={`domain-remove-${d.domain}`}
                    onClick={async () => {
                      if (
                        await confirm({
                          title: `Remove ${d.domain}?`,
                          description: "Sign-ins on it are no longer routed to the organisation.",
                          confirmLabel: "Remove",
                          destructive: true,
                        })
                      )
                        remove.mutate({ id: d.id });
                    }}
                  >
                    Remove
                  </RowDangerButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </QueryTable>
    </Card>
  );
}
