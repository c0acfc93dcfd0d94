"use client";

import Link from "next/link";
import { useMemo } from "react";
import { z } from "zod";
import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
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
import { Input } from "@/components/ui/input";
import { Loading } from "@/components/ui/loading";
import { type InstallConsent, type InstallListingInput, installListingInputSchema, type ListingInstallOut } from "@/lib/schemas/marketplace";
import { ManifestView } from "./manifest-view";
import { SecretSlotFields, type SlotSecret, slotBindingsSchema } from "./secret-slot-fields";

function installFormSchema(slots: string[]) {
  return z.strictObject({
    secretBindings: slotBindingsSchema(slots),
    slugPrefix: z.union([z.literal(""), installListingInputSchema.shape.slugPrefix.unwrap()]),
    consent: z.boolean().refine((v) => v, "Tick the box to consent to these permissions"),
  });
}

function InstallForm({
  listing,
  consent,
  secrets,
  onCreateSecret,
  onInstall,
}: {
  listing: string;
  consent: InstallConsent;
  secrets: SlotSecret[] | undefined;
  onCreateSecret?: () => void;
  onInstall: (input: InstallListingInput) => Promise<unknown>;
}) {
  const slots = consent.secretSlots.map((s) => s.name);
  const key = slots.join(",");
  const schema = useMemo(() => installFormSchema(key ? key.split(",") : []), [key]);
  const form = useZodForm(schema, {
    defaultValues: { secretBindings: Object.fromEntries(slots.map((s) => [s, ""])), slugPrefix: "", consent: false },
  });
  return (
    <Form {...form}>
      <form
        className="grid gap-5"
        noValidate
        data-testid="install-form"
        onSubmit={form.handleSubmit(async (v) => {
          try {
            await onInstall({
              listing,
              version: consent.version,
              secretBindings: v.secretBindings,
              ...(v.slugPrefix ? { slugPrefix: v.slugPrefix } : {}),
              consentDigest: consent.consentDigest,
            });
          } catch (error) {
            applyServerErrors(form, error);
          }
        })}
      >
        <ManifestView manifest={consent.manifest} className="max-h-80 overflow-y-auto rounded-md border p-3" />
        <SecretSlotFields control={form.control} slots={consent.secretSlots} secrets={secrets} onCreateSecret={onCreateSecret} />
        <FormField
          control={form.control}
          name="slugPrefix"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Slug prefix (optional)</FormLabel>
              <FormControl>
                <Input {...field} placeholder="e.g. mkt" maxLength={21} className="font-mono" data-testid="install-prefix" />
              </FormControl>
              <FormDescription>Put before the installed agents' and teams' slugs when they would collide with yours.</FormDescription>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={form.control}
          name="consent"
          render={({ field }) => (
            <FormItem>
              <div className="flex items-start gap-2">
                <FormControl>
                  <Checkbox checked={field.value} onCheckedChange={(on) => field.onChange(on === true)} onBlur={field.onBlur} data-testid="install-consent" />
                </FormControl>
                <FormLabel className="leading-snug font-normal">
                  I allow these agents to use the tools, hosts, secrets and memory listed above in this workspace.
                </FormLabel>
              </div>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormRootError />
        <DialogFooter>
          <Button type="submit" disabled={form.formState.isSubmitting} data-testid="install-submit">
            {form.formState.isSubmitting ? "Installing…" : `Install v${consent.version}`}
          </Button>
        </DialogFooter>
      </form>
    </Form>
  );
}

/**
 * Installing a listing: its manifest again, one select per secret slot (the workspace's secrets, or a new one), an
 * optional slug prefix and the consent; then a link to the installed agent or team.
 */
export function InstallDialog({
  open,
  onOpenChange,
  listing,
  listingName,
  consent,
  consentError,
  secrets,
  onCreateSecret,
  onInstall,
  installed,
  installedHref,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** the listing's id or link token */
  listing: string;
  listingName: string;
  consent: InstallConsent | undefined;
  consentError?: string | null;
  secrets: SlotSecret[] | undefined;
  onCreateSecret?: () => void;
  onInstall: (input: InstallListingInput) => Promise<unknown>;
  /** set once installed */
  installed: ListingInstallOut | null;
  installedHref: (install: ListingInstallOut) => string;
}) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent className="sm:max-w-2xl" data-testid="install-dialog">
        <DialogHeader>
          <DialogTitle>{installed ? `${listingName} is installed` : `Install ${listingName}`}</DialogTitle>
          <DialogDescription>
            {installed
              ? "The installed agents and teams are yours: edit them like your own. Nothing updates by itself."
              : "Review what it may do in this workspace, bind its secrets to yours and consent."}
          </DialogDescription>
        </DialogHeader>
        {installed ? (
          <div className="grid gap-3" data-testid="install-done">
            <p className="text-sm">
              Installed v{installed.version}: {installed.agents.length} agent{installed.agents.length === 1 ? "" : "s"}
              {installed.teams.length > 0 ? `, ${installed.teams.length} team${installed.teams.length === 1 ? "" : "s"}` : ""}
              {installed.tools.length > 0 ? `, ${installed.tools.length} tool${installed.tools.length === 1 ? "" : "s"}` : ""}.
            </p>
            <DialogFooter>
              <Button asChild data-testid="install-open">
                <Link href={installedHref(installed)}>
                  Open {installed.root.kind} {installed.root.slug}
                </Link>
              </Button>
            </DialogFooter>
          </div>
        ) : consentError ? (
          <p className="text-sm text-destructive" role="alert">
            {consentError}
          </p>
        ) : consent ? (
          <InstallForm listing={listing} consent={consent} secrets={secrets} onCreateSecret={onCreateSecret} onInstall={onInstall} />
        ) : (
          <Loading />
        )}
      </DialogContent>
    </Dialog>
  );
}
