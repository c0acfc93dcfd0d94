"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { applyServerErrors, Form, FormControl, FormField, FormItem, FormLabel, FormMessage, FormRootError, useZodForm } from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { useWorkspace } from "@/components/workspace/workspace-context";
import type { Role } from "@/lib/permissions";
import { createInvitationInputSchema } from "@/lib/schemas/members";
import { useTRPC } from "@/lib/trpc/react";
import { type IssuedInvitation, InvitationLink } from "./invitation-link";
import { selectClasses } from "./member-actions";
import { grantableRoles, ROLE_LABELS } from "./roles";

function InviteForm({ onInvited }: { onInvited: (result: IssuedInvitation) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { role: myRole } = useWorkspace();
  const roles = grantableRoles(myRole);
  const initialRole: Role = roles.includes("member") ? "member" : (roles[0] ?? "viewer");
  const form = useZodForm(createInvitationInputSchema, { defaultValues: { email: "", role: initialRole } });
  const create = useMutation(
    trpc.invitations.create.mutationOptions({
      onSuccess: async (result) => {
        onInvited(result);
        await queryClient.invalidateQueries({ queryKey: trpc.invitations.list.queryKey() });
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );
  return (
    <Form {...form}>
      <form className="grid gap-4" onSubmit={form.handleSubmit((v) => create.mutate(v))} noValidate data-testid="invite-form">
        <div className="grid gap-4 sm:grid-cols-[1fr_auto]">
          <FormField
            control={form.control}
            name="email"
            render={({ field }) => (
              <FormItem>
                <FormLabel>Email</FormLabel>
                <FormControl>
                  <Input {...field} type="email" autoComplete="off" placeholder="name@company.com" data-testid="invite-email" />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormField
            control={form.control}
            name="role"
            render={({ field }) => (
              <FormItem>
                <FormLabel>Role</FormLabel>
                <FormControl>
                  <select {...field} className={`${selectClasses} h-9`} data-testid="invite-role">
                    {roles.map((r) => (
                      <option key={r} value={r}>
                        {ROLE_LABELS[r]}
                      </option>
                    ))}
                  </select>
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
        </div>
        <FormRootError />
        <DialogFooter>
          <Button type="submit" disabled={create.isPending} data-testid="invite-submit">
            {create.isPending ? "Inviting…" : "Invite"}
          </Button>
        </DialogFooter>
      </form>
    </Form>
  );
}

/**
 * "Invite people": the form, then the new invitation's link (shown once) with a copy button, "Invite someone else"
 * (the form again) and "Done".
 */
export function InviteDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const [result, setResult] = useState<IssuedInvitation | null>(null);
  const close = (next: boolean) => {
    if (!next) setResult(null);
    onOpenChange(next);
  };
  return (
    <Dialog open={open} onOpenChange={close}>
      <DialogContent data-testid="invite-dialog">
        <DialogHeader>
          <DialogTitle>Invite people</DialogTitle>
          <DialogDescription>
            They get a link that adds them to this workspace with the role you choose: send it to them by any means (chat, email, in person).
          </DialogDescription>
        </DialogHeader>
        {result ? (
          <div className="grid gap-4">
            <InvitationLink result={result} testIds={{ box: "invite-result", url: "invite-url", copy: "invite-copy" }} />
            <DialogFooter>
              <Button variant="outline" onClick={() => setResult(null)} data-testid="invite-another">
                Invite someone else
              </Button>
              <Button onClick={() => close(false)} data-testid="invite-done">
                Done
              </Button>
            </DialogFooter>
          </div>
        ) : (
          <InviteForm onInvited={setResult} />
        )}
      </DialogContent>
    </Dialog>
  );
}
