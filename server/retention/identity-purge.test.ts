/**
 * The retention purge removes expired identity rows (SSO sign-ins, second-factor step-ups, WebAuthn challenges) of
 * every organisation and person, in batches, and keeps the live ones.
 */
import { describe, expect, it } from "vitest";
import { newId } from "@/lib/ids";
import { testDb as db } from "@/test/db";
import { makeOrg } from "@/test/fixtures/orgs";
import { makeUser, uniq } from "@/test/helpers";
import { purgeExpiredIdentityRows, runRetentionPurge } from "./purge";

const MIN = 60_000;
const ago = (ms: number) => new Date(Date.now() - ms);
const ahead = (ms: number) => new Date(Date.now() + ms);

async function ssoSignIn(org: { id: string; users: { member: { id: string } } }, expiresAt: Date, ticketExpiresAt: Date | null = null) {
  const row = await db().ssoSignIn.create({
    data: {
      id: newId("ssi"),
      organizationId: org.id,
      stateHash: `state-${uniq()}${uniq()}`,
      browserHash: "b",
      nonce: "n",
      codeVerifier: "v",
      callbackUrl: "/",
      expiresAt,
      ...(ticketExpiresAt ? { userId: org.users.member.id, ticketHash: `ticket-${uniq()}${uniq()}`, ticketExpiresAt } : {}),
    },
  });
  return row.id;
}

async function stepUp(userId: string, expiresAt: Date) {
  const sessionId = `sid-${uniq()}${uniq()}`;
  await db().sessionStepUp.create({ data: { sessionId, userId, at: ago(MIN), expiresAt } });
  return sessionId;
}

async function challenge(userId: string, expiresAt: Date) {
  const row = await db().webAuthnChallenge.create({
    data: { id: newId("wac"), userId, purpose: "authenticate", challenge: `c-${uniq()}${uniq()}`, expiresAt },
  });
  return row.id;
}

async function assertionUse(organizationId: string, expiresAt: Date) {
  const assertionId = `_a${uniq()}${uniq()}`;
  await db().ssoAssertionUse.create({ data: { organizationId, assertionId, expiresAt } });
  return assertionId;
}

describe("purging expired identity rows", () => {
  it("deletes SSO sign-ins whose state and ticket have both expired, of every organisation; keeps the others", async () => {
    const a = await makeOrg("purge-a");
    const b = await makeOrg("purge-b");
    const expired = [await ssoSignIn(a, ago(MIN)), await ssoSignIn(b, ago(MIN)), await ssoSignIn(a, ago(2 * MIN), ago(MIN))];
    const live = [await ssoSignIn(a, ahead(MIN)), await ssoSignIn(b, ago(MIN), ahead(MIN))];
    // batches of 2: the statement repeats until nothing is left
    const result = await purgeExpiredIdentityRows(new Date(), 2);
    expect(result.ssoSignIns).toBeGreaterThanOrEqual(expired.length);
    const left = (await db().ssoSignIn.findMany({ where: { id: { in: [...expired, ...live] } }, select: { id: true } })).map((r) => r.id);
    expect(left.sort()).toEqual([...live].sort());
  });

  it("deletes step-ups past their window, of every person; keeps the live ones", async () => {
    const [p, q] = [await makeUser("stepup-p"), await makeUser("stepup-q")];
    const expired = [await stepUp(p.id, ago(MIN)), await stepUp(q.id, ago(MIN)), await stepUp(q.id, ago(5 * MIN))];
    const live = [await stepUp(p.id, ahead(MIN)), await stepUp(q.id, ahead(MIN))];
    const result = await purgeExpiredIdentityRows(new Date(), 2);
    expect(result.stepUps).toBeGreaterThanOrEqual(expired.length);
    const left = (await db().sessionStepUp.findMany({ where: { sessionId: { in: [...expired, ...live] } }, select: { sessionId: true } })).map(
      (r) => r.sessionId,
    );
    expect(left.sort()).toEqual([...live].sort());
  });

  it("deletes expired WebAuthn challenges through the daily purge and counts them; keeps the live ones", async () => {
    const [p, q] = [await makeUser("wac-p"), await makeUser("wac-q")];
    const expired = [await challenge(p.id, ago(MIN)), await challenge(q.id, ago(MIN))];
    const live = [await challenge(p.id, ahead(MIN))];
    const result = await runRetentionPurge();
    expect(result.webAuthnChallenges).toBeGreaterThanOrEqual(expired.length);
    const left = (await db().webAuthnChallenge.findMany({ where: { id: { in: [...expired, ...live] } }, select: { id: true } })).map((r) => r.id);
    expect(left).toEqual(live);
  });

  it("deletes the SAML assertion ids of expired assertions, of every organisation; keeps the ones a replay could still use", async () => {
    const [a, b] = [await makeOrg("saml-purge-a"), await makeOrg("saml-purge-b")];
    const expired = [await assertionUse(a.id, ago(MIN)), await assertionUse(b.id, ago(MIN)), await assertionUse(b.id, ago(3 * MIN))];
    const live = [await assertionUse(a.id, ahead(MIN)), await assertionUse(b.id, ahead(MIN))];
    const result = await purgeExpiredIdentityRows(new Date(), 2);
    expect(result.samlAssertionUses).toBeGreaterThanOrEqual(expired.length);
    const left = (await db().ssoAssertionUse.findMany({ where: { assertionId: { in: [...expired, ...live] } }, select: { assertionId: true } })).map(
      (r) => r.assertionId,
    );
    expect(left.sort()).toEqual([...live].sort());
  });
});
