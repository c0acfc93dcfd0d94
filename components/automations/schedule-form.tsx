"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
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
import { formatDateTime } from "@/components/ui/format";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { Textarea } from "@/components/ui/textarea";
import { cronProblem, nextScheduleTimes, timezoneProblem } from "@/lib/schedule-times";
import { createScheduleInputSchema, type ScheduleOutput, updateScheduleInputSchema } from "@/lib/schemas/schedules";
import { useTRPC } from "@/lib/trpc/react";
import { TargetSelect } from "./target-select";

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

/** The next times of the expression being typed (nothing while it is not valid). */
function NextTimes({ cron, timezone }: { cron: string; timezone: string }) {
  if (!cron || cronProblem(cron) || timezoneProblem(timezone)) return null;
  const times = nextScheduleTimes(cron, timezone, new Date(), 3);
  return (
    <p className="text-sm text-muted-foreground" data-testid="schedule-preview">
      Next: {times.map((t) => formatDateTime(t)).join(" · ")}
    </p>
  );
}

type Fields = { name: string; cron: string; timezone: string; input: string; allowOverlap: boolean; missedPolicy: "skip" | "catch_up" };

/** The fields both forms share: times, input, overlap, missed times. */
function ScheduleFields({ form }: { form: ReturnType<typeof useZodForm<typeof updateScheduleInputSchema>> }) {
  const cron = form.watch("cron") ?? "";
  const timezone = form.watch("timezone") ?? "UTC";
  return (
    <>
      <FormField
        control={form.control}
        name="name"
        render={({ field }) => (
          <FormItem>
            <FormLabel>Name</FormLabel>
            <FormControl>
              <Input {...field} placeholder="e.g. Weekday digest" maxLength={100} data-testid="schedule-name" />
            </FormControl>
            <FormMessage />
          </FormItem>
        )}
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField
          control={form.control}
          name="cron"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Cron expression</FormLabel>
              <FormControl>
                <Input {...field} placeholder="0 9 * * 1-5" className="font-mono" data-testid="schedule-cron" />
              </FormControl>
              <FormDescription>minute hour day month weekday, or @daily</FormDescription>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={form.control}
          name="timezone"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Time zone</FormLabel>
              <FormControl>
                <Input {...field} placeholder="Europe/Berlin" data-testid="schedule-timezone" />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
      </div>
      <NextTimes cron={cron} timezone={timezone} />
      <FormField
        control={form.control}
        name="input"
        render={({ field }) => (
          <FormItem>
            <FormLabel>Input of every run</FormLabel>
            <FormControl>
              <Textarea {...field} rows={4} data-testid="schedule-input" />
            </FormControl>
            <FormMessage />
          </FormItem>
        )}
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField
          control={form.control}
          name="missedPolicy"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Times missed while the server was down</FormLabel>
              <FormControl>
                <select className={SELECT_CLASS} {...field} data-testid="schedule-missed">
                  <option value="skip">Skip them</option>
                  <option value="catch_up">Run once, then resume</option>
                </select>
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={form.control}
          name="allowOverlap"
          render={({ field }) => (
            <FormItem className="flex items-center gap-2 self-end pb-2">
              <Checkbox id="schedule-overlap" checked={field.value === true} onCheckedChange={(on) => field.onChange(on === true)} />
              <Label htmlFor="schedule-overlap" className="font-normal">
                Start even while the previous run is still going
              </Label>
            </FormItem>
          )}
        />
      </div>
    </>
  );
}

function CreateScheduleForm({ onDone }: { onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useZodForm(createScheduleInputSchema, {
    defaultValues: { name: "", cron: "", timezone: browserZone(), input: "", allowOverlap: false, missedPolicy: "skip", paused: false },
  });
  const create = useMutation(
    trpc.schedules.create.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.schedules.list.queryKey() });
        onDone();
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );
  const agent = form.watch("agent");
  const team = form.watch("team");
  return (
    <Form {...form}>
      <form className="grid gap-4" onSubmit={form.handleSubmit((v) => create.mutate(v))} noValidate data-testid="schedule-form">
        <FormField
          control={form.control}
          name="agent"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Runs</FormLabel>
              <TargetSelect
                id="schedule-target"
                testId="schedule-target"
                value={{ agent, team }}
                onBlur={field.onBlur}
                onChange={(next) => {
                  form.setValue("agent", next.agent, { shouldValidate: form.formState.isSubmitted });
                  form.setValue("team", next.team, { shouldValidate: form.formState.isSubmitted });
                }}
              />
              <FormMessage />
            </FormItem>
          )}
        />
        <ScheduleFields form={form as never} />
        <FormRootError />
        <DialogFooter>
          <Button type="submit" disabled={create.isPending} data-testid="schedule-submit">
            {create.isPending ? "Creating…" : "Create schedule"}
          </Button>
        </DialogFooter>
      </form>
    </Form>
  );
}

function EditScheduleForm({ schedule, onDone }: { schedule: ScheduleOutput; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const values: Fields = {
    name: schedule.name,
    cron: schedule.cron,
    timezone: schedule.timezone,
    input: schedule.input,
    allowOverlap: schedule.allowOverlap,
    missedPolicy: schedule.missedPolicy,
  };
  const form = useZodForm(updateScheduleInputSchema, { defaultValues: values });
  const update = useMutation(
    trpc.schedules.update.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.schedules.list.queryKey() });
        onDone();
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );
  return (
    <Form {...form}>
      <form className="grid gap-4" onSubmit={form.handleSubmit((v) => update.mutate({ scheduleId: schedule.id, ...v }))} noValidate data-testid="schedule-form">
        <ScheduleFields form={form} />
        <FormRootError />
        <DialogFooter>
          <Button type="submit" disabled={update.isPending} data-testid="schedule-submit">
            {update.isPending ? "Saving…" : "Save"}
          </Button>
        </DialogFooter>
      </form>
    </Form>
  );
}

/** Create a schedule, or edit `schedule` (its target stays). */
export function ScheduleDialog({ open, onOpenChange, schedule }: { open: boolean; onOpenChange: (open: boolean) => void; schedule?: ScheduleOutput }) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent className="sm:max-w-2xl" data-testid="schedule-dialog">
        <DialogHeader>
          <DialogTitle>{schedule ? `Edit ${schedule.name}` : "Create a schedule"}</DialogTitle>
          <DialogDescription>Runs an agent or a team with a fixed input at the times of a cron expression, in a time zone.</DialogDescription>
        </DialogHeader>
        {schedule ? <EditScheduleForm schedule={schedule} onDone={() => onOpenChange(false)} /> : <CreateScheduleForm onDone={() => onOpenChange(false)} />}
      </DialogContent>
    </Dialog>
  );
}
