/**
 * First-party team templates: each is a team file (lib/schemas/team-bundle.ts) with a line on what it is for and
 * how its topology works. Creating one writes its agents and its team (server/teams/templates.ts).
 */
import type { TeamBundle } from "@/lib/schemas/team-bundle";

export interface TeamTemplate {
  id: string;
  name: string;
  summary: string;
  /** how the topology runs, in a sentence or two */
  howItWorks: string;
  bundle: TeamBundle & { agents: NonNullable<TeamBundle["agents"]> };
}

const agent = (slug: string, name: string, roleDescription: string, instructions: string, preset: "fast" | "balanced" | "capable" = "balanced") => ({
  slug,
  name,
  roleDescription,
  instructions,
  modelPolicy: { type: "preset" as const, preset },
  maxOutputTokens: 1500,
  temperature: 0.4,
});

export const TEAM_TEMPLATES: TeamTemplate[] = [
  {
    id: "research-brief",
    name: "Research brief",
    summary: "A researcher gathers the facts, a writer turns them into a brief, an editor tightens it.",
    howItWorks: "Sequential: each agent works on the previous one's output, in order. The editor's text is the answer.",
    bundle: {
      kind: "cadre.team",
      version: 1,
      team: {
        slug: "research-brief",
        name: "Research brief",
        description: "Researcher, then writer, then editor.",
        spec: { topology: "sequential", agents: ["researcher", "writer", "editor"], context: "last" },
      },
      agents: [
        agent(
          "researcher",
          "Researcher",
          "Finds and organises the facts a brief needs.",
          "List the key facts, figures, open questions and counter-arguments on the task's topic as terse bullet points. Say what you are unsure of.",
        ),
        agent(
          "writer",
          "Writer",
          "Turns research notes into a clear brief.",
          "Write a one-page brief from the notes: a summary paragraph, then sections with headings. Use only what the notes support.",
        ),
        agent(
          "editor",
          "Editor",
          "Makes a draft shorter, clearer and correct.",
          "Edit the draft for clarity and brevity. Keep its structure and facts; fix errors; return only the edited brief.",
        ),
      ],
    },
  },
  {
    id: "support-triage",
    name: "Support triage",
    summary: "A triage lead routes a customer message to billing or technical support and returns the reply.",
    howItWorks:
      "Supervisor: each turn the triage lead picks the specialist who should act next, reads the answer, and finishes with the reply when the case is handled.",
    bundle: {
      kind: "cadre.team",
      version: 1,
      team: {
        slug: "support-triage",
        name: "Support triage",
        description: "A triage lead with billing and technical specialists.",
        spec: { topology: "supervisor", supervisor: "triage-lead", workers: ["billing-specialist", "tech-specialist"], maxTurns: 4, parallel: false },
      },
      agents: [
        agent(
          "triage-lead",
          "Triage lead",
          "Reads a customer's message and decides who handles it.",
          "Decide which specialist should handle the customer's message. When their answer resolves it, finish with a friendly reply to the customer.",
          "fast",
        ),
        agent(
          "billing-specialist",
          "Billing specialist",
          "Answers questions on invoices, plans, refunds and payments.",
          "Answer the billing part of the message precisely. Ask for what you need (invoice number, account email) if it is missing.",
        ),
        agent(
          "tech-specialist",
          "Technical specialist",
          "Diagnoses technical problems and gives steps to fix them.",
          "Diagnose the technical problem and give numbered steps to fix it. Say what to collect if more information is needed.",
        ),
      ],
    },
  },
  {
    id: "code-review",
    name: "Code review",
    summary: "An author proposes a change; a security reviewer and a maintainability reviewer approve it or send it back.",
    howItWorks: "Maker-checker: the author writes, both checkers review; until both approve, the author revises with their comments (up to 3 rounds).",
    bundle: {
      kind: "cadre.team",
      version: 1,
      team: {
        slug: "code-review",
        name: "Code review",
        description: "An author with two reviewers who must both approve.",
        spec: {
          topology: "maker_checker",
          maker: "code-author",
          checkers: ["security-reviewer", "maintainability-reviewer"],
          maxIterations: 3,
          onUnmet: "succeed_flagged",
        },
      },
      agents: [
        agent(
          "code-author",
          "Code author",
          "Writes or revises code for the task.",
          "Write the code the task asks for, in a fenced code block, with a short explanation. When reviewers comment, address every comment.",
          "capable",
        ),
        agent(
          "security-reviewer",
          "Security reviewer",
          "Reviews code for security problems.",
          "Review the code for injection, secrets, unsafe input handling and missing authorisation. Approve only if none remain; else list each problem.",
        ),
        agent(
          "maintainability-reviewer",
          "Maintainability reviewer",
          "Reviews code for clarity, tests and maintainability.",
          "Review the code for naming, structure, error handling and tests. Approve only if it is ready to merge; else list what to change.",
        ),
      ],
    },
  },
  {
    id: "debate-then-decide",
    name: "Debate, then decide",
    summary: "An optimist and a sceptic argue a question over rounds; a judge weighs them and decides.",
    howItWorks: "Debate: the debaters answer each other for up to 3 rounds; the judge reads the debate, decides, and says whether they reached consensus.",
    bundle: {
      kind: "cadre.team",
      version: 1,
      team: {
        slug: "debate-then-decide",
        name: "Debate, then decide",
        description: "Two debaters and a judge.",
        spec: { topology: "debate", debaters: ["optimist", "sceptic"], judge: "judge", rounds: 3, onUnmet: "succeed_flagged" },
      },
      agents: [
        agent("optimist", "Optimist", "Argues for the proposal.", "Make the strongest honest case for the proposal. Answer the other side's points directly."),
        agent(
          "sceptic",
          "Sceptic",
          "Argues against the proposal.",
          "Make the strongest honest case against the proposal. Answer the other side's points directly.",
        ),
        agent(
          "judge",
          "Judge",
          "Weighs a debate and decides.",
          "Weigh the arguments on their merits, decide, and explain the decision in a few sentences, naming the points that settled it.",
          "capable",
        ),
      ],
    },
  },
];

export function findTemplate(id: string): TeamTemplate | undefined {
  return TEAM_TEMPLATES.find((t) => t.id === id);
}
