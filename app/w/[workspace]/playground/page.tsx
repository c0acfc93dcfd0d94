import { PlaygroundPage } from "@/components/playground/playground-page";

export default function Playground() {
  return <PlaygroundPage />;
}
