"use client";

import Link from "next/link";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { createWorkspaceInputSchema } from "@/lib/schemas/workspaces";
import { Card } from "@/components/ui/card";
import { applyServerErrors, Form, FormControl, FormField, FormItem, FormLabel, FormMessage, FormRootError, useZodForm } from "@/components/ui/form";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { ActionsHeader, QueryTable, RowDangerButton } from "@/components/ui/table";
import { EmptyState } from "@/components/ui/empty-state";
import { FormError } from "@/components/ui/form-error";
import { useConfirm } from "@/components/ui/confirm";
import { errorMessage } from "@/lib/trpc/errors";

/** The organisation's workspaces: create one in it, bring in one you own, take one out. */
export function OrgWorkspacesCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const confirm = useConfirm();
  const org = useQuery(trpc.orgs.get.queryOptions());
  const workspaces = useQuery(trpc.orgs.workspaces.queryOptions());
  const mine = useQuery(trpc.workspaces.listMine.queryOptions());
  const [error, setError] = useState<string | null>(null);
  const [attachSlug, setAttachSlug] = useState("");
  const refresh = () => queryClient.invalidateQueries(trpc.orgs.workspaces.queryFilter());
  const form = useZodForm(createWorkspaceInputSchema, { defaultValues: { name: "", slug: "" } });
  const create = useMutation(
    trpc.orgs.createWorkspace.mutationOptions({
      onSuccess: async () => {
        form.reset({ name: "", slug: "" });
        await refresh();
      },
      onError: (e) => applyServerErrors(form, e),
    }),
  );
  const attach = useMutation(
    trpc.orgs.attachWorkspace.mutationOptions({
      onMutate: () => setError(null),
      onSuccess: async () => {
        setAttachSlug("");
        await refresh();
      },
      onError: (e) => setError(errorMessage(e)),
    }),
  );
  const detach = useMutation(trpc.orgs.detachWorkspace.mutationOptions({ onSuccess: refresh, onError: (e) => setError(errorMessage(e)) }));
  const admin = org.data?.role === "owner" || org.data?.role === "admin";
  const inOrg = new Set(workspaces.data?.map((w) => w.slug));
  const ownedOutside = (mine.data ?? []).filter((w) => w.role === "owner" && !inOrg.has(w.slug));

  return (
    <Card title="Workspaces" description="The organisation's policy applies in each of its workspaces." testId="org-workspaces">
      <FormError message={error ?? workspaces.error?.message} />
      <QueryTable query={workspaces} empty={<EmptyState title="No workspaces yet" text="Create one here or bring in a workspace you own." />}>
        <table className="mb-4 w-full text-sm">
          <thead>
            <tr className="text-left text-muted-foreground">
              <th>Name</th>
              <th>URL</th>
              <ActionsHeader />
            </tr>
          </thead>
          <tbody>
            {workspaces.data?.map((w) => (
              <tr key={w.id} className="border-t" data-testid={`org-workspace-${w.slug}`}>
                <td className="py-2 font-medium">{w.name}</td>
                <td className="py-2">
                  <Link href={`/w/${w.slug}`}>/w/{w.slug}</Link>
                </td>
                <td className="py-2 text-right">
                  {admin ? (
                    <RowDangerButton
                      testId={`org-workspace-detach-${w.slug}`}
                      onClick={async () => {
                        if (
                          await confirm({
                            title: `Take ${w.name} out of the organisation?`,
                            description: "It keeps its members and content; the organisation's policy stops applying there.",
                            confirmLabel: "Take out",
                          })
                        )
                          detach.mutate({ workspace: w.slug });
                      }}
                    >
                      Take out
                    </RowDangerButton>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </QueryTable>
      <div className="grid gap-6 md:grid-cols-2">
        <Form {...form}>
          <form className="grid gap-3" noValidate onSubmit={form.handleSubmit((v) => create.mutate(v))}>
            <h3 className="font-medium">New workspace in the organisation</h3>
            <FormField
              control={form.control}
              name="name"
              render={({ field }) => (
                <FormItem className="gap-1.5">
                  <FormLabel>Name</FormLabel>
                  <FormControl>
                    <Input {...field} data-testid="org-workspace-name" maxLength={80} />
                  </FormControl>
                  <FormMessage />
                </FormItem>
              )}
            />
            <FormField
              control={form.control}
              name="slug"
              render={({ field }) => (
                <FormItem className="gap-1.5">
                  <FormLabel>URL</FormLabel>
                  <FormControl>
                    <Input {...field} data-testid="org-workspace-slug" maxLength={48} onChange={(e) => field.onChange(e.target.value.toLowerCase())} />
                  </FormControl>
                  <FormMessage />
                </FormItem>
              )}
            />
            <FormRootError />
            <Button type="submit" data-testid="org-workspace-create" disabled={create.isPending}>
              Create workspace
            </Button>
          </form>
        </Form>
        {admin ? (
          <div className="grid content-start gap-3">
            <h3 className="font-medium">Bring in a workspace you own</h3>
            <select className={SELECT_CLASS} data-testid="org-workspace-attach-select" value={attachSlug} onChange={(e) => setAttachSlug(e.target.value)}>
              <option value="">Choose a workspace…</option>
              {ownedOutside.map((w) => (
                <option key={w.slug} value={w.slug}>
                  {w.name} (/w/{w.slug})
                </option>
              ))}
            </select>
            <Button
              variant="outline"
              data-testid="org-workspace-attach"
              disabled={!attachSlug || attach.isPending}
              onClick={() => attach.mutate({ workspace: attachSlug })}
            >
              Bring into the organisation
            </Button>
          </div>
        ) : null}
      </div>
    </Card>
  );
}
