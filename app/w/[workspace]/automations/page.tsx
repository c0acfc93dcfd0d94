import type { Metadata } from "next";
import { AutomationsPage } from "@/components/automations/automations-page";

export const metadata: Metadata = { title: "Schedules & triggers" };

export default function Page() {
  return <AutomationsPage />;
}
